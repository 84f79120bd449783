/**
 * Fast start: heavy modules (the model runtime, the Docker client, the TUI, the JS sandbox) are loaded
 * only by the commands that use them. This walks the static import graph of every built command
 * (dynamic `import()` is how the others reach them lazily) and fails on a heavy module where it is
 * not allowed. `june --help` and `--version` load no command at all: oclif reads the manifest.
 */
import {existsSync, readFileSync, readdirSync, statSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {describe, expect, it} from 'vitest';
import {repoRoot} from '../helpers/env.js';

const HEAVY = ['node-llama-cpp', 'dockerode', 'ink', 'react', 'isolated-vm', 'openai', 'playwright-core'];
/** Which heavy modules a command may import statically (none may, today: all are loaded lazily). */
const ALLOWED: Record<string, string[]> = {};

const dist = join(repoRoot, 'dist');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.js') ? [p] : [];
  });
}

/** Static `import … from 'x'` / `export … from 'x'` / bare `import 'x'` specifiers (not `import()`). */
function staticImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /^\s*(?:import|export)\s+(?:[^'"()]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of src.matchAll(re)) out.push(m[1]!);
  return out;
}

function heavyReached(entry: string): Map<string, string> {
  const seen = new Set<string>();
  const heavy = new Map<string, string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (existsSync(target)) stack.push(target);
        continue;
      }
      const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (HEAVY.includes(pkg) && !heavy.has(pkg)) heavy.set(pkg, relative(dist, file));
    }
  }
  return heavy;
}

describe('lazy imports', () => {
  it('no command statically imports a heavy module it is not allowed', () => {
    const commands = files(join(dist, 'commands'));
    expect(commands.length).toBeGreaterThan(3);
    const problems: string[] = [];
    for (const cmd of commands) {
      const id = relative(join(dist, 'commands'), cmd).replace(/\.js$/, '').replace(/[\\/]/g, ' ');
      for (const [pkg, via] of heavyReached(cmd)) {
        if (!(ALLOWED[id] ?? []).includes(pkg)) problems.push(`june ${id} loads ${pkg} at start (via ${via})`);
      }
    }
    expect(problems).toEqual([]);
  });
});
