/**
 * `june verify` run as a user runs it: the built CLI (npx tsc -p tsconfig.json; npx oclif manifest),
 * a fresh JUNE_HOME, the real tiny model, the real Docker engine (or a dead socket).
 */
import {copyFileSync, mkdirSync, truncateSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {TINY_MODEL_BYTES, TINY_MODEL_SHA256, requireTinyModel, runJune, sharedDir, tempHome} from '../helpers/env.js';

const ALL = ['node', 'gpu', 'docker', 'sandbox', 'models', 'speech', 'model', 'inference'];
const DEAD_DOCKER = {DOCKER_HOST: 'unix:///tmp/june-test-no-docker.sock'};

let home: string;
let cleanup: () => void;
beforeEach(() => {
  ({home, cleanup} = tempHome('june-verify-'));
});
afterEach(() => cleanup());

interface CheckJson {
  name: string;
  ok: boolean;
  required: boolean;
  detail: string;
  hint: string | null;
}
interface VerifyJson {
  ok: boolean;
  checks: CheckJson[];
  inference: {model: string; tokens: number; tokensPerSecond: number} | null;
}

/** runJune with string outputs. */
async function june(args: string[], opts: {home: string; env?: Record<string, string>}): Promise<{exitCode: number | undefined; stdout: string; stderr: string}> {
  const r = await runJune(args, opts);
  return {exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr)};
}

function check(j: VerifyJson, name: string): CheckJson {
  const c = j.checks.find((x) => x.name === name);
  if (!c) throw new Error(`no ${name} check in ${JSON.stringify(j)}`);
  return c;
}

describe('june verify', () => {
  it('with the tiny model: exit 0, every check listed, one real inference with its tokens/s', async () => {
    const r = await june(['verify', '--model', requireTinyModel(), '--json'], {home});
    expect(r.exitCode, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as VerifyJson;
    expect(Object.keys(j).sort()).toEqual(['checks', 'inference', 'ok']);
    expect(j.ok).toBe(true);
    expect(j.checks.map((c) => c.name)).toEqual(ALL);
    for (const c of j.checks) {
      expect(Object.keys(c).sort()).toEqual(['detail', 'hint', 'name', 'ok', 'required']);
      expect(c.detail.length).toBeGreaterThan(0);
      if (!c.ok) expect(c.hint).toBeTruthy();
    }
    expect(check(j, 'node')).toMatchObject({ok: true, required: true});
    expect(check(j, 'model')).toMatchObject({ok: true, required: true});
    expect(check(j, 'inference')).toMatchObject({ok: true, required: true});
    expect(check(j, 'docker').required).toBe(false);
    // the speech engines installed here (pocketsphinx, espeak-ng, flite: .ci/setup.sh)
    expect(check(j, 'speech')).toMatchObject({ok: true, required: false});
    expect(check(j, 'speech').detail).toMatch(/stt: pocketsphinx.*tts: espeak-ng, flite/);
    expect(j.inference).not.toBeNull();
    expect(j.inference!.model).toBe('llama-2-tiny-random');
    expect(j.inference!.tokens).toBeGreaterThan(0);
    expect(j.inference!.tokensPerSecond).toBeGreaterThan(0);
  }, 180_000);

  it('resolves a catalog id through the mirror, prints the table, and checks downloaded models against the lock', async () => {
    // one model "downloaded" into JUNE_HOME with its lock record, one record whose file is damaged
    const models = join(home, 'models');
    mkdirSync(models, {recursive: true});
    copyFileSync(requireTinyModel(), join(models, 'llama-2-tiny-random.gguf'));
    const rec = (file: string, bytes: number) => ({id: file, source: 'hf:x/y/' + file, from: 'test', file, bytes, sha256: TINY_MODEL_SHA256, verified: true, fetchedAt: new Date().toISOString(), mtimeMs: 0});
    writeFileSync(join(models, 'june-lock.json'), JSON.stringify({version: 1, files: {'llama-2-tiny-random.gguf': rec('llama-2-tiny-random.gguf', TINY_MODEL_BYTES)}}));
    const good = await june(['verify', '--model', 'llama-2-tiny-random', '--mirror', sharedDir, '--json'], {home});
    expect(good.exitCode, good.stderr).toBe(0);
    expect(check(JSON.parse(good.stdout) as VerifyJson, 'models')).toMatchObject({ok: true});

    copyFileSync(requireTinyModel(), join(models, 'damaged.gguf'));
    writeFileSync(join(models, 'damaged.gguf'), 'x', {flag: 'r+'});
    writeFileSync(
      join(models, 'june-lock.json'),
      JSON.stringify({version: 1, files: {'llama-2-tiny-random.gguf': rec('llama-2-tiny-random.gguf', TINY_MODEL_BYTES), 'damaged.gguf': rec('damaged.gguf', TINY_MODEL_BYTES)}}),
    );
    const table = await june(['verify', '--model', 'llama-2-tiny-random', '--mirror', sharedDir], {home});
    // a damaged download warns; it does not fail verify
    expect(table.exitCode, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/✓ │ node/);
    expect(table.stdout).toMatch(/! │ models/);
    expect(table.stdout).toContain('damaged.gguf: sha256 differs from the lock');
    expect(table.stdout).toMatch(/Ready: llama-2-tiny-random generated \d+ tokens at [\d.]+ tokens\/s/);
  }, 240_000);

  it('a corrupt GGUF: one line and a non-zero exit', async () => {
    const bad = join(home, 'broken.gguf');
    copyFileSync(requireTinyModel(), bad);
    truncateSync(bad, 500_000);
    const r = await june(['verify', '--model', bad], {home});
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Error \(GGUF_CORRUPT\): .*broken\.gguf.*truncated.*Hint: /);
  }, 120_000);

  it('--require docker with no Docker engine: the whole report, the docker check failing, exit 1', async () => {
    const r = await june(['verify', '--model', requireTinyModel(), '--require', 'docker', '--json'], {home, env: DEAD_DOCKER});
    expect(r.exitCode).toBe(1);
    const j = JSON.parse(r.stdout) as VerifyJson;
    expect(j.ok).toBe(false);
    expect(j.checks.map((c) => c.name)).toEqual(ALL);
    expect(check(j, 'docker')).toMatchObject({ok: false, required: true});
    expect(check(j, 'docker').detail).toMatch(/DOCKER_UNAVAILABLE/);
    expect(check(j, 'docker').hint).toBeTruthy();
    expect(check(j, 'sandbox')).toMatchObject({ok: false, required: false});
    // everything else still ran
    expect(check(j, 'inference').ok).toBe(true);
    expect(j.inference!.tokens).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/Error \(CHECK_FAILED\): 1 required check failed: docker/);
  }, 180_000);

  it('without --require, an unreachable Docker engine only warns', async () => {
    // a PATH without the speech engines makes the required speech check fail
    const r = await june(['verify', '--model', requireTinyModel(), '--require', 'speech'], {home, env: {...DEAD_DOCKER, PATH: '/nonexistent'}});
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/! │ docker/);
    expect(r.stdout).toMatch(/✗ │ speech/);
    expect(r.stdout).toContain('Not ready');
    expect(r.stderr).toMatch(/CHECK_FAILED\): 1 required check failed: speech/);
  }, 180_000);

  it('bad flags are usage errors (exit 2), a missing model file one line (exit 1)', async () => {
    const u = await june(['verify', '--require', 'gpu-magic', '--model', requireTinyModel()], {home});
    expect(u.exitCode).toBe(2);
    expect(u.stderr.trim().split('\n')).toHaveLength(1);
    const m = await june(['verify', '--model', join(home, 'nope.gguf')], {home});
    expect(m.exitCode).toBe(1);
    expect(m.stderr.trim().split('\n')).toHaveLength(1);
    expect(m.stderr).toMatch(/not exist|not found/i);
  }, 120_000);
});
