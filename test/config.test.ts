import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {loadConfig, parseConfig} from '../src/config.js';
import {JuneError} from '../src/errors.js';
import {tempHome} from './helpers/env.js';

describe('config', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('gives defaults when there is no file', async () => {
    const t = tempHome();
    cleanup = t.cleanup;
    const c = await loadConfig({JUNE_HOME: t.home});
    expect(c.policy.cpuMaxParamsB).toBe(30);
    expect(c.gpu).toBe('auto');
  });

  it('names the file, the key and what was expected', async () => {
    const t = tempHome();
    cleanup = t.cleanup;
    mkdirSync(t.home, {recursive: true});
    const file = join(t.home, 'config.json');
    writeFileSync(file, JSON.stringify({policy: {cpuMaxParamsB: 'many'}}));
    const err = await loadConfig({JUNE_HOME: t.home}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JuneError);
    const je = err as JuneError;
    expect(je.code).toBe('CONFIG_INVALID');
    expect(je.message).toContain(file);
    expect(je.message).toContain('policy.cpuMaxParamsB');
    expect(je.message).toMatch(/number/);
  });

  it('rejects unknown keys and bad JSON', () => {
    expect(() => parseConfig('{"gpuu": "auto"}', 'c.json')).toThrow(/c\.json.*gpuu|gpuu.*c\.json/s);
    expect(() => parseConfig('{', 'c.json')).toThrow(/not valid JSON/);
    expect(() => parseConfig('{"gpu": "tpu"}', 'c.json')).toThrow(/key "gpu"/);
  });
});
