/**
 * The downloader against a real HTTP server on 127.0.0.1 serving the tiny model: full download,
 * a dropped connection resumed with Range, a server that ignores Range, a wrong sha256, a 404,
 * Ctrl-C (AbortSignal) then resume, skip-when-verified, parallel files, proxies, mirrors.
 */
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readFileSync, statSync, writeFileSync, copyFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {JuneError} from '../../src/errors.js';
import {requestHeaders} from '../../src/runtime/download/fetch-file.js';
import {downloadModels} from '../../src/runtime/download/index.js';
import {readLock} from '../../src/runtime/download/lock.js';
import {TINY_MODEL_BYTES, TINY_MODEL_SHA256, requireTinyModel, sharedDir, tempHome} from '../helpers/env.js';
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

async function server(opts: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(opts);
  cleanups.push(() => s.close());
  return s;
}

function home(): {env: Record<string, string>; models: string} {
  const h = tempHome('june-dl-');
  cleanups.push(h.cleanup);
  return {env: {JUNE_HOME: h.home}, models: join(h.home, 'models')};
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('downloadModels over HTTP', () => {
  it('downloads a catalog model from an http mirror, verifies it and records it in the lock', async () => {
    const s = await server({routes: {[`/models/${FILE}`]: {body}}});
    const {env, models} = home();
    const seen: number[] = [];
    const out = await downloadModels({
      refs: [TINY],
      mirror: s.url,
      env,
      reporter: {start: () => ({progress: (b) => seen.push(b)}), finish: () => undefined},
    });
    expect(out.failures).toEqual([]);
    expect(out.files).toEqual([
      {id: TINY, source: 'hf:aladar/llama-2-tiny-random-GGUF/llama-2-tiny-random.gguf', path: join(models, FILE), bytes: TINY_MODEL_BYTES, sha256: TINY_MODEL_SHA256, skipped: false, verified: true},
    ]);
    expect(readFileSync(join(models, FILE)).equals(body)).toBe(true);
    expect(existsSync(join(models, `${FILE}.partial`))).toBe(false);
    expect(seen.at(-1)).toBe(TINY_MODEL_BYTES);
    const lock = await readLock(join(models, 'june-lock.json'));
    const rec = lock.files[FILE]!;
    expect(rec).toMatchObject({id: TINY, bytes: TINY_MODEL_BYTES, sha256: TINY_MODEL_SHA256, verified: true, from: `${s.url}/models/${FILE}`});
    expect(Date.now() - Date.parse(rec.fetchedAt)).toBeLessThan(60_000);
  });

  it('resumes with a Range request after the connection drops mid-file (byte-identical result)', async () => {
    const s = await server({routes: {[`/models/${FILE}`]: {body, dropAfter: {bytes: 700_000, times: 1}}}});
    const {env, models} = home();
    const out = await downloadModels({refs: [TINY], mirror: s.url, env, backoffMs: 10});
    expect(out.failures).toEqual([]);
    expect(s.seen).toHaveLength(2);
    expect(s.seen[0]).toMatchObject({range: undefined, status: 200});
    const start = Number(/^bytes=(\d+)-$/.exec(s.seen[1]!.range ?? '')?.[1]);
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(700_000);
    expect(s.seen[1]!.status).toBe(206);
    const got = readFileSync(join(models, FILE));
    expect(got.equals(body)).toBe(true);
    expect(sha(got)).toBe(TINY_MODEL_SHA256);
  });

  it('starts over when the server ignores Range and still ends with the right file', async () => {
    const s = await server({routes: {[`/models/${FILE}`]: {body, dropAfter: {bytes: 500_000, times: 1}, ignoreRange: true}}});
    const {env, models} = home();
    const out = await downloadModels({refs: [TINY], mirror: s.url, env, backoffMs: 10});
    expect(out.failures).toEqual([]);
    expect(s.seen.map((r) => r.status)).toEqual([200, 200]);
    expect(s.seen[1]!.range).toMatch(/^bytes=\d+-$/);
    expect(sha(readFileSync(join(models, FILE)))).toBe(TINY_MODEL_SHA256);
  });

  it('deletes the partial and fails clearly on a sha256 mismatch', async () => {
    const bad = Buffer.from(body);
    bad[bad.length - 10] = bad[bad.length - 10]! ^ 0xff;
    const s = await server({routes: {[`/models/${FILE}`]: {body: bad}}});
    const {env, models} = home();
    const out = await downloadModels({refs: [TINY], mirror: s.url, env});
    expect(out.files).toEqual([]);
    expect(out.failures).toHaveLength(1);
    const err = out.failures[0]!.error;
    expect(err.code).toBe('CHECKSUM_MISMATCH');
    expect(err.message).toMatch(/sha256 .* does not match the published 81f226c62d28/);
    expect(err.message).toMatch(/partial download was deleted/);
    expect(existsSync(join(models, `${FILE}.partial`))).toBe(false);
    expect(existsSync(join(models, FILE))).toBe(false);
    expect((await readLock(join(models, 'june-lock.json'))).files).toEqual({});
  });

  it('reports a 404 as an HTTP error', async () => {
    const s = await server({routes: {}});
    const {env} = home();
    const out = await downloadModels({refs: [`${s.url}/files/missing.gguf`], env});
    expect(out.failures).toHaveLength(1);
    expect(out.failures[0]!.error.code).toBe('HTTP_ERROR');
    expect(out.failures[0]!.error.message).toMatch(/404/);
  });

  it('retries 5xx answers and dropped connections with backoff, then gives up with the attempts counted', async () => {
    const s = await server({routes: {'/busy.gguf': {body, status: 503}, '/flaky.gguf': {body, dropAfter: {bytes: 0, times: 100}}}});
    const {env} = home();
    const out = await downloadModels({refs: [`${s.url}/busy.gguf`, `${s.url}/flaky.gguf`], env, retries: 2, backoffMs: 5, parallel: 1});
    expect(out.files).toEqual([]);
    expect(out.failures.map((f) => [f.id, f.error.code])).toEqual([
      ['busy.gguf', 'HTTP_ERROR'],
      ['flaky.gguf', 'DOWNLOAD_FAILED'],
    ]);
    for (const f of out.failures) expect(f.error.message).toMatch(/after 3 attempts/);
    expect(s.seen.filter((r) => r.path === '/busy.gguf')).toHaveLength(3);
    expect(s.seen.filter((r) => r.path === '/flaky.gguf')).toHaveLength(3);
  });

  it('stops on abort (Ctrl-C) keeping the partial, then a rerun resumes it with Range', async () => {
    const s = await server({routes: {[`/models/${FILE}`]: {body}}, throttle: {chunkBytes: 64 * 1024, delayMs: 40}});
    const {env, models} = home();
    const ac = new AbortController();
    const partial = join(models, `${FILE}.partial`);
    const run = downloadModels({
      refs: [TINY],
      mirror: s.url,
      env,
      signal: ac.signal,
      reporter: {start: () => ({progress: (b) => b > 300_000 && ac.abort(new JuneError('INTERRUPTED', 'interrupted by SIGINT'))}), finish: () => undefined},
    });
    await expect(run).rejects.toMatchObject({code: 'INTERRUPTED'});
    const kept = statSync(partial).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(TINY_MODEL_BYTES);
    s.options.throttle = undefined;
    const out = await downloadModels({refs: [TINY], mirror: s.url, env});
    expect(out.failures).toEqual([]);
    expect(s.seen.at(-1)).toMatchObject({range: `bytes=${kept}-`, status: 206});
    expect(sha(readFileSync(join(models, FILE)))).toBe(TINY_MODEL_SHA256);
  });

  it('skips a file already present and verified, and fetches again one that changed', async () => {
    const s = await server({routes: {[`/models/${FILE}`]: {body}}});
    const {env, models} = home();
    await downloadModels({refs: [TINY], mirror: s.url, env});
    expect(s.seen).toHaveLength(1);
    const again = await downloadModels({refs: [TINY], mirror: s.url, env});
    expect(again.files[0]).toMatchObject({skipped: true, sha256: TINY_MODEL_SHA256});
    expect(s.seen).toHaveLength(1);
    const dest = join(models, FILE);
    const broken = Buffer.from(body);
    broken[100] = broken[100]! ^ 1;
    writeFileSync(dest, broken);
    const third = await downloadModels({refs: [TINY], mirror: s.url, env});
    expect(third.files[0]).toMatchObject({skipped: false, sha256: TINY_MODEL_SHA256});
    expect(s.seen).toHaveLength(2);
    expect(readFileSync(dest).equals(body)).toBe(true);
  });

  it('downloads several files in parallel; without a published sha256 it records the computed one as unverified', async () => {
    const names = ['a.gguf', 'b.gguf', 'c.gguf'];
    const routes = Object.fromEntries(names.map((n) => [`/files/${n}`, {body}]));
    const s = await server({routes, throttle: {chunkBytes: 256 * 1024, delayMs: 20}});
    const {env, models} = home();
    const out = await downloadModels({refs: names.map((n) => `${s.url}/files/${n}`), env, parallel: 3});
    expect(out.failures).toEqual([]);
    expect(out.files.map((f) => [f.id, f.sha256, f.verified])).toEqual(names.map((n) => [n, TINY_MODEL_SHA256, false]));
    expect(s.maxConcurrent).toBeGreaterThan(1);
    const lock = await readLock(join(models, 'june-lock.json'));
    expect(Object.keys(lock.files).sort()).toEqual(names);
    expect(lock.files['b.gguf']).toMatchObject({verified: false, source: `${s.url}/files/b.gguf`, bytes: TINY_MODEL_BYTES});
  });

  it('goes through HTTP_PROXY from the environment', async () => {
    const proxy = await server({routes: {'/models/via-proxy.gguf': {body}}});
    const {env, models} = home();
    const out = await downloadModels({refs: ['http://models.invalid/models/via-proxy.gguf'], env: {...env, HTTP_PROXY: proxy.url}});
    expect(out.failures).toEqual([]);
    expect(proxy.seen[0]!.absolute).toBe('http://models.invalid/models/via-proxy.gguf');
    expect(readFileSync(join(models, 'via-proxy.gguf')).equals(body)).toBe(true);
  });

  it('sends HF_TOKEN as a bearer token to huggingface.co only', () => {
    const env = {HF_TOKEN: 'hf_secret'};
    expect(requestHeaders('https://huggingface.co/o/r/resolve/main/f.gguf', 0, env).authorization).toBe('Bearer hf_secret');
    expect(requestHeaders('https://cdn-lfs.huggingface.co/x', 10, env)).toMatchObject({authorization: 'Bearer hf_secret', range: 'bytes=10-'});
    expect(requestHeaders('http://127.0.0.1:9/f.gguf', 0, env).authorization).toBeUndefined();
    expect(requestHeaders('https://huggingface.co.evil.example/f', 0, env).authorization).toBeUndefined();
    expect(requestHeaders('https://huggingface.co/f', 0, {}).authorization).toBeUndefined();
  });
});

describe('downloadModels from a mirror directory', () => {
  it('copies by catalog id and by hf: URI from /work/shared-style mirrors', async () => {
    const {env, models} = home();
    const byId = await downloadModels({refs: [TINY], mirror: sharedDir, env});
    expect(byId.files[0]).toMatchObject({id: TINY, verified: true, sha256: TINY_MODEL_SHA256});
    const other = home();
    const byUri = await downloadModels({refs: ['hf:aladar/llama-2-tiny-random-GGUF/llama-2-tiny-random.gguf'], mirror: sharedDir, env: other.env});
    expect(byUri.files[0]).toMatchObject({id: TINY, path: join(other.models, FILE), verified: true});
    expect(readFileSync(join(models, FILE)).equals(body)).toBe(true);
  });

  it('finds files under models/<owner>/<repo>/ and reports a miss as not in the mirror', async () => {
    const h = tempHome('june-mirror-');
    cleanups.push(h.cleanup);
    const dir = join(h.home, 'models', 'someone', 'some-repo', 'sub');
    mkdirSync(dir, {recursive: true});
    copyFileSync(requireTinyModel(), join(dir, 'x.gguf'));
    const {env} = home();
    const out = await downloadModels({refs: ['hf:someone/some-repo/sub/x.gguf', 'hf:someone/some-repo/y.gguf'], mirror: h.home, env});
    expect(out.files.map((f) => f.id)).toEqual(['x.gguf']);
    expect(out.failures.map((f) => [f.id, f.error.code])).toEqual([['y.gguf', 'MODEL_NOT_FOUND']]);
    expect(out.failures[0]!.error.message).toMatch(/not in the mirror/);
  });

  it('plans unknown ids and bare file paths as clear errors before fetching anything', async () => {
    const {env} = home();
    await expect(downloadModels({refs: ['qwen-coder-9000'], env})).rejects.toMatchObject({code: 'MODEL_UNKNOWN'});
    await expect(downloadModels({refs: ['./model.gguf'], env})).rejects.toMatchObject({code: 'BAD_INPUT'});
    await expect(downloadModels({refs: [], env})).rejects.toMatchObject({code: 'USAGE'});
  });

  it('keeps parallel lock updates from losing records', async () => {
    const {env, models} = home();
    const h = tempHome('june-mirror-');
    cleanups.push(h.cleanup);
    mkdirSync(join(h.home, 'models'), {recursive: true});
    const names = Array.from({length: 6}, (_, i) => `m${i}.gguf`);
    for (const n of names) copyFileSync(requireTinyModel(), join(h.home, 'models', n));
    const out = await downloadModels({refs: names.map((n) => `hf:o/r/${n}`), mirror: h.home, env, parallel: 6});
    expect(out.failures).toEqual([]);
    expect(Object.keys((await readLock(join(models, 'june-lock.json'))).files).sort()).toEqual(names);
  });
});
