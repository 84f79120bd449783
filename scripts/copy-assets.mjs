#!/usr/bin/env node
// Build step: the Python files under src/ (the sandbox runner and checker, the agent benchmark's
// visible-examples check) copied beside the compiled modules in dist/, where those modules read
// them. No __pycache__, no tests.
import {cpSync, readdirSync, statSync, mkdirSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === '__pycache__' || name === 'tests') continue;
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.py')) {
      const to = join(dist, relative(src, p));
      mkdirSync(dirname(to), {recursive: true});
      cpSync(p, to);
    }
  }
}
walk(src);
