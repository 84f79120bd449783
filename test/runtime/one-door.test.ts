/**
 * One door to models: only src/runtime/ may import node-llama-cpp or open a GGUF file. Everything
 * else goes through openModel / the ModelHost interface / the GGUF policy. bench/ is exempt.
 *
 * Sources are parsed with the TypeScript compiler (not grepped), so comments and help texts that
 * mention node-llama-cpp or .gguf do not count, while static imports, `import type`, re-exports,
 * dynamic `import()` and `require()` all do.
 */
import {readFileSync} from 'node:fs';
import {join, relative, sep} from 'node:path';
import ts from 'typescript';
import {describe, expect, it} from 'vitest';
import {repoRoot, typeScriptSources} from '../helpers/env.js';

const ENGINE = /^(node-llama-cpp|@node-llama-cpp\/)/;
/** fs calls that read or open a file. */
const FS_OPEN = new Set(['open', 'openSync', 'openAsBlob', 'readFile', 'readFileSync', 'createReadStream', 'read', 'readSync']);

function doorViolations(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const found: string[] = [];
  let opensFiles = false;
  let mentionsGguf = false;
  const line = (n: ts.Node): number => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      if (ENGINE.test(n.moduleSpecifier.text)) found.push(`${fileName}:${line(n)} imports ${n.moduleSpecifier.text}`);
    }
    if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference)) {
      const e = n.moduleReference.expression;
      if (ts.isStringLiteral(e) && ENGINE.test(e.text)) found.push(`${fileName}:${line(n)} imports ${e.text}`);
    }
    if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal) && ENGINE.test(n.argument.literal.text))
      found.push(`${fileName}:${line(n)} imports type from ${n.argument.literal.text}`);
    if (ts.isCallExpression(n)) {
      const arg = n.arguments[0];
      const isImport = n.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(n.expression) && n.expression.text === 'require';
      if ((isImport || isRequire) && arg && ts.isStringLiteralLike(arg) && ENGINE.test(arg.text))
        found.push(`${fileName}:${line(n)} ${isImport ? 'import()' : 'require()'}s ${arg.text}`);
      const callee = ts.isIdentifier(n.expression) ? n.expression.text : ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : '';
      if (FS_OPEN.has(callee)) opensFiles = true;
    }
    if ((ts.isStringLiteralLike(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) && (/\.gguf\b/i.test(n.text) || n.text === 'GGUF'))
      mentionsGguf = true;
    ts.forEachChild(n, visit);
  };
  visit(sf);
  if (opensFiles && mentionsGguf) found.push(`${fileName} opens files and names GGUF files itself (read models through src/runtime)`);
  return found;
}


describe('one door to models', () => {
  it('no module of src/ outside src/runtime/ imports node-llama-cpp or opens a .gguf file itself', () => {
    const src = join(repoRoot, 'src');
    const files = typeScriptSources(src).filter((f) => !relative(src, f).startsWith(`runtime${sep}`));
    expect(files.length).toBeGreaterThan(5);
    const violations = files.flatMap((f) => doorViolations(relative(repoRoot, f), readFileSync(f, 'utf8')));
    expect(violations).toEqual([]);
  });

  it('src/runtime/ is where node-llama-cpp is used (the scan sees it there)', () => {
    const runtime = typeScriptSources(join(repoRoot, 'src', 'runtime'));
    const hits = runtime.flatMap((f) => doorViolations(relative(repoRoot, f), readFileSync(f, 'utf8')));
    expect(hits.some((h) => h.includes('embedded'))).toBe(true);
    expect(hits.some((h) => h.includes('gguf'))).toBe(true);
  });

  describe('the scanner', () => {
    const cases: Array<[string, string, boolean]> = [
      ['static import', `import {getLlama} from 'node-llama-cpp';`, true],
      ['type import', `import type {Llama} from 'node-llama-cpp';`, true],
      ['re-export', `export {LlamaChat} from 'node-llama-cpp';`, true],
      ['dynamic import', `const m = await import('node-llama-cpp');`, true],
      ['require', `const m = require("node-llama-cpp");`, true],
      ['import type expression', `let x: import('node-llama-cpp').Llama;`, true],
      ['a platform binary package', `import x from '@node-llama-cpp/linux-x64';`, true],
      ['opening a .gguf', `import {open} from 'node:fs/promises';\nconst fh = await open(dir + '/model.gguf', 'r');`, true],
      ['reading the GGUF magic', `import {readFileSync} from 'node:fs';\nif (readFileSync(p).subarray(0, 4).toString() === 'GGUF') {}`, true],
      ['a comment that names node-llama-cpp', `// node-llama-cpp is used elsewhere\nexport const x = 1;`, false],
      ['help text naming .gguf without reading', `export const help = 'a path to a .gguf file';`, false],
      ['the runtime door', `import {openModel} from '../runtime/open-model.js';`, false],
    ];
    for (const [label, code, bad] of cases)
      it(`${bad ? 'flags' : 'allows'} ${label}`, () => {
        expect(doorViolations('x.ts', code).length > 0).toBe(bad);
      });
  });
});
