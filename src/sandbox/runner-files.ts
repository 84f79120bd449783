/**
 * The Python runner june ships into its sandbox image: the files under src/sandbox/python/ (the
 * entry point runner.py and its package june_sandbox/), copied beside this module into
 * dist/sandbox/python/ by `npm run build`. Their bytes feed the image's content hash (image.ts),
 * so a changed file is a new image. Read once, on first use (never at import: `june --version`
 * does not pay for it).
 */
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {JuneError} from '../errors.js';

/** Where the runner's files are: src/sandbox/python (tests, tsx) or dist/sandbox/python (built). */
export const RUNNER_DIR = fileURLToPath(new URL('./python/', import.meta.url));
/** The entry point, relative to RUNNER_DIR (and to /opt/june in the image). */
export const RUNNER_ENTRY = 'runner.py';

export interface RunnerFile {
  /** Relative to RUNNER_DIR, '/'-separated, e.g. "june_sandbox/values.py". */
  path: string;
  bytes: Buffer;
}

let files: RunnerFile[] | null = null;

function walk(dir: string, prefix: string, out: RunnerFile[]): void {
  for (const e of readdirSync(dir, {withFileTypes: true})) {
    if (e.isDirectory()) {
      if (e.name !== '__pycache__') walk(join(dir, e.name), `${prefix}${e.name}/`, out);
    } else if (e.isFile() && e.name.endsWith('.py')) {
      out.push({path: `${prefix}${e.name}`, bytes: readFileSync(join(dir, e.name))});
    }
  }
}

/** Every .py file of the runner, sorted by path (the order the image hash reads them in). */
export function runnerFiles(): RunnerFile[] {
  if (files) return files;
  const out: RunnerFile[] = [];
  try {
    walk(RUNNER_DIR, '', out);
  } catch (err) {
    throw new JuneError('HARNESS_FAILURE', `the sandbox runner's Python files are missing (${RUNNER_DIR}): ${(err as Error).message}`, {
      hint: 'reinstall june, or run `npm run build` in a checkout (it copies src/sandbox/python into dist/)',
      cause: err,
    });
  }
  if (!out.some((f) => f.path === RUNNER_ENTRY))
    throw new JuneError('HARNESS_FAILURE', `the sandbox runner's entry point ${RUNNER_ENTRY} is missing from ${RUNNER_DIR}`, {
      hint: 'reinstall june, or run `npm run build` in a checkout',
    });
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  files = out;
  return out;
}

/** The entry point's path on this machine (the host baseline runs it directly). */
export function runnerEntryPath(): string {
  runnerFiles();
  return join(RUNNER_DIR, RUNNER_ENTRY);
}
