/** `june models list` and `june models rm` as a user runs them (built bin/run.js). */
import {existsSync, readFileSync, utimesSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeAll, describe, expect, it} from 'vitest';
import {TINY_MODEL_BYTES, TINY_MODEL_SHA256, requireTinyModel, runJune, sharedDir, tempHome} from '../helpers/env.js';
import type {InstalledModel} from '../../src/runtime/download/installed.js';

const TINY = 'llama-2-tiny-random';
const FILE = 'llama-2-tiny-random.gguf';
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
beforeAll(() => {
  requireTinyModel();
});

async function homeWithTiny(): Promise<string> {
  const h = tempHome('june-cli-models-');
  cleanups.push(h.cleanup);
  const r = await runJune(['download-models', '--mirror', sharedDir, TINY], {home: h.home});
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return h.home;
}

type Listed = InstalledModel;

describe('june models list', () => {
  it('lists what is on disk from the lock, with --json', async () => {
    const h = await homeWithTiny();
    writeFileSync(join(h, 'models', 'mine.gguf'), 'copied by hand');
    const r = await runJune(['models', 'list', '--json'], {home: h});
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const {models} = JSON.parse(String(r.stdout)) as {models: Listed[]};
    expect(models).toHaveLength(2);
    const tiny = models.find((m) => m.id === TINY)!;
    expect(tiny).toMatchObject({
      path: join(h, 'models', FILE),
      bytes: TINY_MODEL_BYTES,
      sha256: TINY_MODEL_SHA256,
      verified: true,
      source: 'hf:aladar/llama-2-tiny-random-GGUF/llama-2-tiny-random.gguf',
      present: true,
    });
    expect(Date.parse(tiny.fetchedAt!)).toBeGreaterThan(0);
    expect(models.find((m) => m.id === 'mine.gguf')).toMatchObject({sha256: null, verified: false, source: null, fetchedAt: null, present: true});
    const table = await runJune(['models', 'list'], {home: h});
    expect(table.stdout).toMatch(/llama-2-tiny-random .*✓/);
    expect(table.stdout).toMatch(/mine\.gguf .*! unverified/);
  });

  it('no longer calls a file verified once it changed on disk', async () => {
    const h = await homeWithTiny();
    const past = new Date(Date.now() - 3600_000);
    utimesSync(join(h, 'models', FILE), past, past);
    const {models} = JSON.parse(String((await runJune(['models', 'list', '--json'], {home: h})).stdout)) as {models: Listed[]};
    expect(models[0]).toMatchObject({id: TINY, verified: false});
  });

  it('--all adds the catalog models not downloaded; an empty home says how to get one', async () => {
    const h = tempHome('june-cli-models-');
    cleanups.push(h.cleanup);
    const empty = await runJune(['models', 'list'], {home: h.home});
    expect(empty.exitCode).toBe(0);
    expect(empty.stdout).toMatch(/No models downloaded\. Hint: june download-models/);
    const all = JSON.parse(String((await runJune(['models', 'list', '--all', '--json'], {home: h.home})).stdout)) as {models: Listed[]};
    expect(all.models.every((m) => !m.present && m.path === null)).toBe(true);
    expect(all.models.map((m) => m.id)).toContain('qwen2.5-coder-1.5b-instruct-q4_k_m');
  });
});

describe('june models rm', () => {
  it('frees the file and its lock record (--json), by id', async () => {
    const h = await homeWithTiny();
    const r = await runJune(['models', 'rm', TINY, '--json'], {home: h});
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(JSON.parse(String(r.stdout))).toEqual({removed: [{id: TINY, path: join(h, 'models', FILE), bytes: TINY_MODEL_BYTES}]});
    expect(existsSync(join(h, 'models', FILE))).toBe(false);
    expect(JSON.parse(readFileSync(join(h, 'models', 'june-lock.json'), 'utf8'))).toEqual({version: 1, files: {}});
  });

  it('removes by file name too', async () => {
    const h = await homeWithTiny();
    const r = await runJune(['models', 'rm', FILE], {home: h});
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(r.stdout).toMatch(/^removed llama-2-tiny-random/);
    expect(existsSync(join(h, 'models', FILE))).toBe(false);
  });

  it('fails with one line for a model not on disk, a path, or no argument', async () => {
    const h = await homeWithTiny();
    const missing = await runJune(['models', 'rm', 'whisper-base.en'], {home: h});
    expect(missing.exitCode).toBe(1);
    expect(String(missing.stderr).trim()).toMatch(/^Error \(MODEL_NOT_FOUND\): whisper-base\.en is not downloaded .*Hint: see `june models list`/);
    const path = await runJune(['models', 'rm', '../../etc/passwd'], {home: h});
    expect(path.exitCode).toBe(1);
    expect(String(path.stderr).trim()).toMatch(/^Error \(BAD_INPUT\)/);
    const none = await runJune(['models', 'rm'], {home: h});
    expect(none.exitCode).toBe(2);
    expect(String(none.stderr).trim().split('\n')).toHaveLength(1);
    // nothing was removed by the failed calls
    expect(existsSync(join(h, 'models', FILE))).toBe(true);
  });
});
