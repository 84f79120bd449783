/**
 * The sandbox is a floor below scoring: nothing under src/sandbox imports src/bench, src/ui or
 * src/commands (static or dynamic imports, type-only included). What it runs is its own
 * SandboxProblem / SandboxSample (src/sandbox/types.ts).
 */
import {readFileSync, readdirSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';

const src = resolve(import.meta.dirname, '..', '..', 'src');
const sandbox = join(src, 'sandbox');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('src/sandbox layering', () => {
  it('imports nothing from src/bench, src/ui or src/commands', () => {
    const files = tsFiles(sandbox);
    expect(files.length).toBeGreaterThan(5);
    const bad: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        if (!spec.startsWith('.')) continue;
        const top = relative(src, resolve(dirname(f), spec)).split(/[\\/]/)[0];
        if (top === 'bench' || top === 'ui' || top === 'commands') bad.push(`${relative(src, f)}: ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
