/**
 * `june download-models` as a user runs it (the built bin/run.js), against the shared mirror and a
 * real HTTP server on 127.0.0.1: a kill -9 mid-file then a resuming rerun, Ctrl-C, a wrong
 * sha256, a 404, a full disk (a 1 MiB tmpfs), an unwritable target, an unknown id, --all-defaults.
 * Every failure must end with exactly one `Error (CODE): …` line on stderr and a non-zero exit.
 */
import {createHash} from 'node:crypto';
import {existsSync, mkdtempSync, readFileSync, rmdirSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {execa} from 'execa';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {TINY_MODEL_BYTES, TINY_MODEL_SHA256, repoRoot, requireTinyModel, runJune, sharedDir, tempHome} from '../helpers/env.js';
import {type TestServer, startServer} from '../fixtures/download/server.js';

const TINY = 'llama-2-tiny-random';
const FILE = 'llama-2-tiny-random.gguf';
let body: Buffer;
const cleanups: (() => unknown)[] = [];

beforeAll(() => {
  body = readFileSync(requireTinyModel());
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function home(): string {
  const h = tempHome('june-cli-dl-');
  cleanups.push(h.cleanup);
  return h.home;
}
async function server(opts: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(opts);
  cleanups.push(() => s.close());
  return s;
}
/** A real tmpfs (needs root, as in CI): the disk-full and read-only cases. */
async function tmpfs(options: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'june-tmpfs-'));
  const r = await execa('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], {reject: false});
  if (r.exitCode !== 0) throw new Error(`this test mounts a tmpfs and needs root: mount -o ${options} failed: ${r.stderr}`);
  cleanups.push(async () => {
    await execa('umount', [dir], {reject: false});
    rmdirSync(dir);
  });
  return dir;
}
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '');
}
/** Exactly one line, `Error (CODE): message. Hint: …`. */
function expectOneErrorLine(stderr: string, code: string): string {
  const lines = errorLines(stderr);
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^Error \\(${code}\\): .+ Hint: .+`));
  return lines[0]!;
}
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('june download-models', () => {
  it('downloads by catalog id from --mirror ../shared, prints the --json shape, and skips it the second time', async () => {
    const h = home();
    const first = await runJune(['download-models', '--mirror', sharedDir, TINY, '--json'], {home: h});
    expect(first.exitCode, String(first.stderr)).toBe(0);
    expect(first.stderr).toBe('');
    const out = JSON.parse(String(first.stdout)) as {files: Record<string, unknown>[]};
    expect(out).toEqual({
      files: [
        {
          id: TINY,
          source: 'hf:aladar/llama-2-tiny-random-GGUF/llama-2-tiny-random.gguf',
          path: join(h, 'models', FILE),
          bytes: TINY_MODEL_BYTES,
          sha256: TINY_MODEL_SHA256,
          skipped: false,
          verified: true,
        },
      ],
    });
    expect(sha(readFileSync(join(h, 'models', FILE)))).toBe(TINY_MODEL_SHA256);
    const again = await runJune(['download-models', '--mirror', sharedDir, TINY, '--json'], {home: h});
    expect(again.exitCode).toBe(0);
    expect((JSON.parse(String(again.stdout)) as {files: {skipped: boolean}[]}).files[0]!.skipped).toBe(true);
  });

  it('downloads by hf: URI from JUNE_MIRROR and says so in plain text', async () => {
    const h = home();
    const r = await runJune(['download-models', 'hf:aladar/llama-2-tiny-random-GGUF/llama-2-tiny-random.gguf'], {home: h, env: {JUNE_MIRROR: sharedDir}});
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toMatch(/^downloaded llama-2-tiny-random → .*llama-2-tiny-random\.gguf \(1750560 bytes, sha256 81f226c6.*verified\)$/);
  });

  it('resumes with a Range request after the june process is killed with SIGKILL mid-file', async () => {
    const s = await server({routes: {[`/models/${FILE}`]: {body}}, throttle: {chunkBytes: 32 * 1024, delayMs: 60}});
    const h = home();
    const partial = join(h, 'models', `${FILE}.partial`);
    const child = execa(process.execPath, [join(repoRoot, 'bin', 'run.js'), 'download-models', '--mirror', s.url, TINY], {
      env: {JUNE_HOME: h},
      reject: false,
    });
    let size = 0;
    for (let i = 0; i < 1000 && !(size > 0 && size < TINY_MODEL_BYTES); i++) {
      await sleep(20);
      size = existsSync(partial) ? statSync(partial).size : 0;
    }
    expect(size).toBeGreaterThan(0);
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    const kept = statSync(partial).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(TINY_MODEL_BYTES);
    expect(existsSync(join(h, 'models', FILE))).toBe(false);

    s.options.throttle = undefined;
    const rerun = await runJune(['download-models', '--mirror', s.url, TINY, '--json'], {home: h});
    expect(rerun.exitCode, String(rerun.stderr)).toBe(0);
    const last = s.seen.at(-1)!;
    expect(last).toMatchObject({path: `/models/${FILE}`, range: `bytes=${kept}-`, status: 206});
    expect(readFileSync(join(h, 'models', FILE)).equals(body)).toBe(true);
    expect(existsSync(partial)).toBe(false);
  });

  it('exits 130 on Ctrl-C (SIGINT), keeping the partial for a later resume', async () => {
    const s = await server({routes: {[`/models/${FILE}`]: {body}}, throttle: {chunkBytes: 32 * 1024, delayMs: 60}});
    const h = home();
    const partial = join(h, 'models', `${FILE}.partial`);
    const child = execa(process.execPath, [join(repoRoot, 'bin', 'run.js'), 'download-models', '--mirror', s.url, TINY], {
      env: {JUNE_HOME: h},
      reject: false,
    });
    for (let i = 0; i < 1000 && !(existsSync(partial) && statSync(partial).size > 0); i++) await sleep(20);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stderr)).toMatch(/Error \(INTERRUPTED\)/);
    expect(statSync(partial).size).toBeGreaterThan(0);
    expect(statSync(partial).size).toBeLessThan(TINY_MODEL_BYTES);
  });

  it('fails on a wrong sha256 with one line, deleting the partial', async () => {
    const bad = Buffer.from(body);
    bad[1000] = bad[1000]! ^ 0xff;
    const s = await server({routes: {[`/models/${FILE}`]: {body: bad}}});
    const h = home();
    const r = await runJune(['download-models', '--mirror', s.url, TINY], {home: h});
    expect(r.exitCode).toBe(1);
    const line = expectOneErrorLine(String(r.stderr), 'CHECKSUM_MISMATCH');
    expect(line).toMatch(/does not match the published 81f226c62d28/);
    expect(existsSync(join(h, 'models', `${FILE}.partial`))).toBe(false);
    expect(existsSync(join(h, 'models', FILE))).toBe(false);
  });

  it('fails on a 404 with one line; --json gives the error object', async () => {
    const s = await server({routes: {}});
    const h = home();
    const r = await runJune(['download-models', `${s.url}/nope/missing.gguf`], {home: h});
    expect(r.exitCode).toBe(1);
    expectOneErrorLine(String(r.stderr), 'HTTP_ERROR');
    const j = await runJune(['download-models', `${s.url}/nope/missing.gguf`, '--json'], {home: h});
    expect(j.exitCode).toBe(1);
    expect(JSON.parse(String(j.stdout))).toMatchObject({error: {code: 'HTTP_ERROR', message: expect.stringMatching(/404/)}});
  });

  it('refuses before downloading when the disk is too small (free-disk check on a 1 MiB tmpfs)', async () => {
    const h = await tmpfs('size=1m');
    const r = await runJune(['download-models', '--mirror', sharedDir, TINY], {home: h});
    expect(r.exitCode).toBe(1);
    expect(expectOneErrorLine(String(r.stderr), 'DISK_FULL')).toMatch(/need 1\.7 MiB/);
    expect(existsSync(join(h, 'models', `${FILE}.partial`))).toBe(false);
  });

  it('reports a disk that fills up mid-download (no Content-Length, real ENOSPC) as DISK_FULL', async () => {
    const s = await server({routes: {'/stream/big.gguf': {body, chunked: true}}});
    const h = await tmpfs('size=1m');
    const r = await runJune(['download-models', `${s.url}/stream/big.gguf`], {home: h});
    expect(r.exitCode).toBe(1);
    expectOneErrorLine(String(r.stderr), 'DISK_FULL');
  });

  it('reports an unwritable target: a read-only filesystem, and a file where a directory should be', async () => {
    const ro = await tmpfs('ro,size=1m');
    const r = await runJune(['download-models', '--mirror', sharedDir, TINY], {home: ro});
    expect(r.exitCode).toBe(1);
    expect(expectOneErrorLine(String(r.stderr), 'NOT_WRITABLE')).toMatch(/EROFS/);
    const h = home();
    writeFileSync(join(h, 'blocker'), 'a file');
    const r2 = await runJune(['download-models', '--mirror', sharedDir, TINY], {home: join(h, 'blocker', 'home')});
    expect(r2.exitCode).toBe(1);
    expect(expectOneErrorLine(String(r2.stderr), 'NOT_WRITABLE')).toMatch(/is a file, not a directory/);
  });

  it('rejects an unknown id with a did-you-mean hint, and no arguments as a usage error (exit 2)', async () => {
    const h = home();
    const r = await runJune(['download-models', 'qwen2.5-coder-1.5'], {home: h});
    expect(r.exitCode).toBe(1);
    expect(expectOneErrorLine(String(r.stderr), 'MODEL_UNKNOWN')).toMatch(/did you mean "qwen2\.5-coder-1\.5b-instruct-q4_k_m"/);
    const u = await runJune(['download-models'], {home: h});
    expect(u.exitCode).toBe(2);
    expect(expectOneErrorLine(String(u.stderr), 'USAGE')).toMatch(/--all-defaults/);
  });

  it('--all-defaults with a mirror that lacks the big files fails per file while finishing the others', async () => {
    const h = home();
    const r = await runJune(['download-models', '--all-defaults', TINY, '--mirror', sharedDir], {home: h});
    expect(r.exitCode).toBe(1);
    const lines = errorLines(String(r.stderr));
    // one line per missing default, then the summary line
    expect(lines).toHaveLength(5);
    for (const id of ['qwen2.5-coder-1.5b-instruct-q4_k_m', 'qwen3-4b-q4_k_m', 'whisper-base.en', 'piper-en-us-lessac-medium'])
      expect(lines.some((l) => l.startsWith(`Error (MODEL_NOT_FOUND): ${id} is not in the mirror`)), id).toBe(true);
    expect(lines.at(-1)).toMatch(/^Error \(DOWNLOAD_FAILED\): 4 of 5 files failed .* 1 finished\. Hint: /);
    expect(r.stdout).toMatch(/^downloaded llama-2-tiny-random/);
    expect(sha(readFileSync(join(h, 'models', FILE)))).toBe(TINY_MODEL_SHA256);
    const lock = JSON.parse(readFileSync(join(h, 'models', 'june-lock.json'), 'utf8')) as {files: Record<string, unknown>};
    expect(Object.keys(lock.files)).toEqual([FILE]);
  });
});
