/**
 * Shared test helpers: where the real test data lives, a temporary JUNE_HOME per test, and a way to
 * run the built CLI (bin/run.js) as a user would. Tests that need Docker, a model or a speech engine
 * call the require* helpers: under CI=true a missing one fails the test, it never skips.
 */
import {mkdtempSync, readdirSync, rmSync, existsSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa, type Options, type Result} from 'execa';
import {createServer} from 'node:net';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** `../shared` beside the project: a mirror root with models/ and datasets/. */
export const sharedDir = process.env.JUNE_TEST_SHARED ?? resolve(repoRoot, '..', 'shared');
export const tinyModelPath = join(sharedDir, 'models', 'llama-2-tiny-random.gguf');
export const TINY_MODEL_SHA256 = '81f226c62d28ed4a1a9b9fa080fcd9f0cc40e0f9d5680036583ff98fbcd035cb';
export const TINY_MODEL_BYTES = 1750560;

/** A fresh JUNE_HOME; removed by the returned cleanup. */
export function tempHome(prefix = 'june-test-'): {home: string; cleanup: () => void} {
  const home = mkdtempSync(join(tmpdir(), prefix));
  return {home, cleanup: () => rmSync(home, {recursive: true, force: true})};
}

/** Runs the built CLI with its own JUNE_HOME; never throws on a non-zero exit. */
export async function runJune(
  args: string[],
  opts: {home: string; env?: Record<string, string | undefined>; timeout?: number; input?: string} & Pick<Options, 'cwd'>,
): Promise<Result> {
  return execa(process.execPath, [join(repoRoot, 'bin', 'run.js'), ...args], {
    reject: false,
    cwd: opts.cwd ?? repoRoot,
    env: {JUNE_HOME: opts.home, NO_COLOR: '1', ...opts.env},
    timeout: opts.timeout ?? 120_000,
    input: opts.input ?? '',
  });
}

/** Fails (under CI) or throws a clear error when the tiny test model is missing. */
export function requireTinyModel(): string {
  if (!existsSync(tinyModelPath))
    throw new Error(`test model missing: ${tinyModelPath} (set JUNE_TEST_SHARED to the shared/ mirror)`);
  return tinyModelPath;
}

/** Throws when no Docker engine answers: tests that need one fail rather than skip. */
export async function requireDocker(): Promise<void> {
  const r = await execa('docker', ['info', '--format', '{{.ServerVersion}}'], {reject: false, timeout: 20_000});
  if (r.exitCode !== 0)
    throw new Error(`Docker engine not reachable (docker info: ${String(r.stderr).split('\n')[0]}); .ci/run starts one`);
}

/** A port on 127.0.0.1 that was free a moment ago (for servers a test starts and kills). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address() as {port: number};
      s.close(() => resolve(port));
    });
  });
}

/** Throws when a program a test runs for real is not installed: such tests fail, never skip (CI=true or not). */
export function requireProgram(name: string, debianPackage: string): string {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`${name} is not installed (apt-get install ${debianPackage}); .ci/setup.sh installs it`);
}

/** The speech engines the voice tests run for real. */
export function requireSpeechEngines(): void {
  requireProgram('pocketsphinx_continuous', 'pocketsphinx pocketsphinx-en-us');
  if (!existsSync('/usr/share/pocketsphinx/model/en-us/en-us')) throw new Error('pocketsphinx-en-us is not installed (apt-get install pocketsphinx-en-us)');
  requireProgram('espeak-ng', 'espeak-ng');
  requireProgram('flite', 'flite');
  requireProgram('sox', 'sox');
}

export const helloWav = join(sharedDir, 'audio', 'flite-rms-hello-can-you-hear-me.wav');
export const foxWav = join(sharedDir, 'audio', 'flite-rms-quick-brown-fox.wav');
export const whisperTestModel = join(sharedDir, 'models', 'whisper', 'for-tests-ggml-tiny.en.bin');

/** Every TypeScript source file under `dir` (recursively; no .d.ts), for tests that read the code itself. */
export function typeScriptSources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...typeScriptSources(p));
    else if (/\.(ts|tsx|mts|cts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}
