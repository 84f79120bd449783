/**
 * Model routing: endpoint vs local model, named profiles from config, and the fallback profile —
 * used only when configured, only when the chosen model fails to open, and announced.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ConfigSchema, type JuneConfig} from '../../src/config.js';
import {JuneError} from '../../src/errors.js';
import {openModel, resolveTarget} from '../../src/runtime/open-model.js';
import {freePort, tinyModelPath} from '../helpers/env.js';
import {type ReplayServer, startReplayServer} from './endpoint-replay-server.js';
import {caughtJuneError} from '../helpers/errors.js';

const cfg = (raw: unknown): JuneConfig => ConfigSchema.parse(raw);



describe('resolveTarget', () => {
  const config = cfg({
    profiles: {
      fast: {model: 'qwen2.5-coder-0.5b-instruct-q8_0'},
      quality: {endpoint: 'http://gpu-box:8000/v1', model: 'Qwen/Qwen2.5-Coder-32B-Instruct', apiKeyEnv: 'GPU_BOX_KEY'},
    },
  });

  it('an endpoint goes to the endpoint backend, with the key from the env', () => {
    expect(resolveTarget({endpoint: 'http://127.0.0.1:8080'}, config, {JUNE_API_KEY: 'k1'})).toEqual({
      kind: 'endpoint',
      profile: null,
      endpoint: 'http://127.0.0.1:8080',
      model: undefined,
      apiKey: 'k1',
    });
  });

  it('a model ref goes to the embedded backend', () => {
    expect(resolveTarget({model: 'x.gguf'}, config, {})).toEqual({kind: 'embedded', profile: null, model: 'x.gguf'});
  });

  it('profiles name a model or an endpoint (with the key from apiKeyEnv)', () => {
    expect(resolveTarget({profile: 'fast'}, config, {})).toEqual({kind: 'embedded', profile: 'fast', model: 'qwen2.5-coder-0.5b-instruct-q8_0'});
    expect(resolveTarget({profile: 'quality'}, config, {GPU_BOX_KEY: 'secret', JUNE_API_KEY: 'other'})).toEqual({
      kind: 'endpoint',
      profile: 'quality',
      endpoint: 'http://gpu-box:8000/v1',
      model: 'Qwen/Qwen2.5-Coder-32B-Instruct',
      apiKey: 'secret',
    });
  });

  it('an explicit --model overrides the profile (and runs locally)', () => {
    expect(resolveTarget({profile: 'quality', model: 'tiny.gguf'}, config, {})).toMatchObject({kind: 'embedded', model: 'tiny.gguf'});
  });

  it('an unknown profile is USAGE naming the known ones', () => {
    const err = (() => {
      try {
        resolveTarget({profile: 'turbo'}, config, {});
      } catch (e) {
        return e as JuneError;
      }
      throw new Error('no error');
    })();
    expect(err.code).toBe('USAGE');
    expect(err.message).toContain('turbo');
    expect(err.hint).toContain('fast, quality');
  });

  it('no model and no endpoint is USAGE', () => {
    expect(() => resolveTarget({}, config, {})).toThrow(/no model given/);
  });
});

describe('openModel', () => {
  let server: ReplayServer;
  beforeAll(async () => {
    server = await startReplayServer(['served-model']);
  });
  afterAll(async () => server.close());

  it('opens an endpoint profile and generates through it', async () => {
    server.script([{fixture: 'ollama-chat.sse'}]);
    const config = cfg({profiles: {remote: {endpoint: server.url}}});
    const host = await openModel({profile: 'remote', config, env: {}});
    expect(host.info).toMatchObject({backend: 'endpoint', id: 'served-model'});
    expect((await host.chat([{role: 'user', content: 'x'}]).result).text).toBe('The sky is blue.');
    await host.close();
  });

  it('a bad endpoint URL is USAGE and never falls back', async () => {
    const warnings: string[] = [];
    const config = cfg({profiles: {remote: {endpoint: server.url}}, fallbackProfile: 'remote'});
    const err = await caughtJuneError(openModel({endpoint: 'ftp://nowhere', config, env: {}, onWarning: (w) => warnings.push(w)}));
    expect(err.code).toBe('USAGE');
    expect(warnings).toEqual([]);
  });

  it('without a configured fallback, a failure is reported as it is', async () => {
    const port = await freePort();
    const config = cfg({profiles: {remote: {endpoint: `http://127.0.0.1:${port}`}}});
    const warnings: string[] = [];
    const err = await caughtJuneError(openModel({profile: 'remote', config, env: {}, onWarning: (w) => warnings.push(w)}));
    expect(err.code).toBe('ENDPOINT_UNREACHABLE');
    expect(warnings).toEqual([]);
  });

  it('the configured fallback is used when the chosen profile fails to open, and says so', async () => {
    const port = await freePort();
    server.script([{fixture: 'ollama-chat.sse'}]);
    const config = cfg({
      profiles: {quality: {endpoint: `http://127.0.0.1:${port}`}, fallback: {endpoint: server.url}},
      fallbackProfile: 'fallback',
    });
    const warnings: string[] = [];
    const host = await openModel({profile: 'quality', config, env: {}, onWarning: (w) => warnings.push(w)});
    expect(host.info).toMatchObject({backend: 'endpoint', source: server.url});
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/profile "quality" failed to open \(ENDPOINT_UNREACHABLE.*using the fallback profile "fallback"/);
    await host.close();
  });

  it('a missing local model falls back to the configured profile too', async () => {
    const config = cfg({profiles: {remote: {endpoint: server.url}}, fallbackProfile: 'remote'});
    const warnings: string[] = [];
    const host = await openModel({model: '/nonexistent/model.gguf', config, env: {}, onWarning: (w) => warnings.push(w)});
    expect(host.info.backend).toBe('endpoint');
    expect(warnings[0]).toMatch(/\/nonexistent\/model.gguf failed to open/);
    await host.close();
  });

  it('a fallback that fails too names both failures', async () => {
    const [p1, p2] = [await freePort(), await freePort()];
    const config = cfg({
      profiles: {a: {endpoint: `http://127.0.0.1:${p1}`}, b: {endpoint: `http://127.0.0.1:${p2}`}},
      fallbackProfile: 'b',
    });
    const err = await caughtJuneError(openModel({profile: 'a', config, env: {}, onWarning: () => undefined}));
    expect(err.code).toBe('ENDPOINT_UNREACHABLE');
    expect(err.message).toContain(String(p2));
    expect(err.message).toContain(String(p1));
  });

  it('opens the tiny model on the embedded backend', async () => {
    const host = await openModel({model: tinyModelPath, config: cfg({}), env: {}, gpu: 'false', threads: 1, contextSize: 256});
    try {
      expect(host.info.backend).toBe('embedded');
      const r = await host.complete('Hello', {maxTokens: 4, temperature: 0}).result;
      expect(r.usage.completionTokens).toBeGreaterThan(0);
    } finally {
      await host.close();
    }
  });
});
