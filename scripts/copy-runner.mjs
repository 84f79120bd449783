#!/usr/bin/env node
// Build step: the sandbox runner's Python files (src/sandbox/python) beside the compiled sandbox
// module (dist/sandbox/python), where src/sandbox/runner-files.ts looks for them. No __pycache__.
import {cpSync, rmSync} from 'node:fs';
import {basename, resolve} from 'node:path';

const root = resolve(import.meta.dirname, '..');
const from = resolve(root, 'src', 'sandbox', 'python');
const to = resolve(root, 'dist', 'sandbox', 'python');
rmSync(to, {recursive: true, force: true});
cpSync(from, to, {recursive: true, filter: (p) => basename(p) !== '__pycache__' && !p.endsWith('.pyc')});
