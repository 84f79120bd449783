/**
 * Layers that keep their rules. The core (src/runtime, src/sandbox, src/bench, src/agents,
 * src/pipeline) never imports the screen (src/ui), the commands (src/commands) or what sits above
 * every layer (src/verify); the runtime knows nothing of Docker (no dockerode, no src/sandbox, no
 * `docker` process). Formatting both sides need lives on the ground floor (src/format.ts).
 *
 * Sources are parsed with the TypeScript compiler: static imports, `import type`, re-exports,
 * dynamic `import()` and `require()` all count; comments and strings do not.
 */
import {readFileSync} from 'node:fs';
import {dirname, join, relative, resolve, sep} from 'node:path';
import ts from 'typescript';
import {describe, expect, it} from 'vitest';
import {repoRoot, typeScriptSources} from '../helpers/env.js';

interface Spec {
  line: number;
  text: string;
  /** How: import, import(), require(), spawn (a process started by name). */
  how: string;
}

const SPAWNERS = new Set(['execa', 'execaSync', 'spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', '$']);

/** Every module a source names, and every program it starts by a literal name. */
function specifiers(fileName: string, text: string): Spec[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const out: Spec[] = [];
  const line = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier))
      out.push({line: line(n), text: n.moduleSpecifier.text, how: 'import'});
    if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteral(n.moduleReference.expression))
      out.push({line: line(n), text: n.moduleReference.expression.text, how: 'import'});
    if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal))
      out.push({line: line(n), text: n.argument.literal.text, how: 'import type'});
    if (ts.isCallExpression(n)) {
      const arg = n.arguments[0];
      const isImport = n.expression.kind === ts.SyntaxKind.ImportKeyword;
      const callee = ts.isIdentifier(n.expression) ? n.expression.text : ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : '';
      if (arg && ts.isStringLiteralLike(arg)) {
        if (isImport) out.push({line: line(n), text: arg.text, how: 'import()'});
        else if (callee === 'require') out.push({line: line(n), text: arg.text, how: 'require()'});
        else if (SPAWNERS.has(callee)) out.push({line: line(n), text: arg.text, how: 'spawn'});
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}


/** The src/ folder a relative specifier lands in ('ui', 'commands', 'format.ts' …), or null for packages. */
function target(srcRoot: string, fromFile: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const rel = relative(srcRoot, resolve(dirname(fromFile), spec));
  if (rel.startsWith('..')) return `outside src (${rel})`;
  return rel.split(sep)[0]!;
}

const CORE = ['runtime', 'sandbox', 'bench', 'agents', 'pipeline'];
const ABOVE_CORE = ['ui', 'commands', 'verify', 'cli'];
const DOCKER_PACKAGES = /^(dockerode|docker-modem|@types\/dockerode)(\/|$)/;

/** The rules, as violations of one file (fileName relative to src/, e.g. runtime/gpu.ts). */
function layerViolations(srcRoot: string, file: string, text: string): string[] {
  const rel = relative(srcRoot, file);
  const layer = rel.split(sep)[0]!;
  const found: string[] = [];
  for (const s of specifiers(rel, text)) {
    const where = `src/${rel.split(sep).join('/')}:${s.line} ${s.how} ${s.text}`;
    const to = s.how === 'spawn' ? null : target(srcRoot, file, s.text);
    if (CORE.includes(layer) && to !== null && ABOVE_CORE.includes(to)) found.push(`${where}: the core never imports src/${to}`);
    if (layer === 'runtime') {
      if (s.how !== 'spawn' && DOCKER_PACKAGES.test(s.text)) found.push(`${where}: the runtime knows nothing of Docker`);
      if (to === 'sandbox') found.push(`${where}: the runtime knows nothing of the sandbox`);
      if (s.how === 'spawn' && /^docker(\s|$)/.test(s.text)) found.push(`${where}: the runtime never starts docker`);
    }
  }
  return found;
}

describe('layers', () => {
  const srcRoot = join(repoRoot, 'src');

  it('no file of the core imports src/ui, src/commands, src/cli or src/verify; the runtime imports nothing of Docker or the sandbox', () => {
    const files = CORE.flatMap((d) => typeScriptSources(join(srcRoot, d)));
    expect(files.length).toBeGreaterThan(20);
    const violations = files.flatMap((f) => layerViolations(srcRoot, f, readFileSync(f, 'utf8')));
    expect(violations).toEqual([]);
  });

  it('formatting the core and the screen share is on the ground floor, in one copy', () => {
    const ground = readFileSync(join(srcRoot, 'format.ts'), 'utf8');
    expect(ground).toMatch(/export function formatBytes/);
    expect(specifiers('format.ts', ground).filter((s) => s.text.startsWith('.'))).toEqual([]);
    const definitions = typeScriptSources(srcRoot).filter((f) => /function formatBytes\b/.test(readFileSync(f, 'utf8')));
    expect(definitions.map((f) => relative(srcRoot, f))).toEqual(['format.ts']);
  });

  it('verify sits above the layers: src/verify reaches Docker through src/sandbox, and nothing in src/runtime is named verify', () => {
    expect(typeScriptSources(join(srcRoot, 'runtime')).filter((f) => /verify/i.test(relative(srcRoot, f)))).toEqual([]);
    const probes = readFileSync(join(srcRoot, 'verify', 'probes.ts'), 'utf8');
    expect(specifiers('verify/probes.ts', probes).some((s) => s.text.startsWith('../sandbox/'))).toBe(true);
  });

  describe('the rules', () => {
    const file = (layer: string) => join(srcRoot, layer, 'x', 'file.ts');
    const cases: Array<[string, string, string, boolean]> = [
      ['runtime', 'the screen', `import {formatBytes} from '../../ui/format.js';`, true],
      ['bench', 'a command', `import type Bench from '../../commands/bench.js';`, true],
      ['agents', 'the screen, lazily', `const ui = await import('../../ui/app.js');`, true],
      ['pipeline', 'verify', `export {speechCheck} from '../../verify/speech.js';`, true],
      ['sandbox', 'the CLI base command', `import {JuneCommand} from '../../cli/june-command.js';`, true],
      ['runtime', 'dockerode', `import Docker from 'dockerode';`, true],
      ['runtime', 'dockerode lazily', `const {default: D} = await import('dockerode');`, true],
      ['runtime', 'the sandbox', `import {dockerClient} from '../../sandbox/docker.js';`, true],
      ['runtime', 'the docker CLI', `import {execa} from 'execa';\nawait execa('docker', ['info']);`, true],
      ['runtime', 'the ground floor', `import {formatBytes} from '../../format.js';\nimport {JuneError} from '../../errors.js';`, false],
      ['bench', 'the sandbox', `import {evaluate} from '../../sandbox/jobs.js';`, false],
      ['runtime', 'a comment naming src/ui and docker', `// not '../ui/format.js', never dockerode\nexport const x = 1;`, false],
      ['ui', 'the runtime (the screen may use the core)', `import {openModel} from '../../runtime/open-model.js';`, false],
    ];
    for (const [layer, label, code, bad] of cases)
      it(`${bad ? 'flags' : 'allows'} src/${layer} importing ${label}`, () => {
        expect(layerViolations(srcRoot, file(layer), code).length > 0).toBe(bad);
      });
  });
});
