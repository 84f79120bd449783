/**
 * The endpoint backend against the REAL `june serve` (bin/run.js, the tiny model, a free port):
 * streaming, tools, server timings, and a server killed mid-stream → a clear error.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {z} from 'zod';
import {openEndpoint} from '../../src/runtime/endpoint/index.js';
import {requireTinyModel, tempHome} from '../helpers/env.js';
import {type Served, startJuneServe} from './serve-process.js';
import {caughtJuneError} from '../helpers/errors.js';


const {home, cleanup} = tempHome();
let served: Served;
beforeAll(async () => {
  served = await startJuneServe(['--model', requireTinyModel(), '--ctx-size', '4096'], home);
});
afterAll(async () => {
  served?.proc.kill('SIGKILL');
  await served?.proc.catch(() => undefined);
  cleanup();
});

describe('endpoint backend ↔ june serve', () => {
  it('streams a chat answer, with usage and the server\'s prompt timings', async () => {
    const host = await openEndpoint({url: served.url});
    expect(host.info.id).toBe(served.model);
    const gen = host.chat([{role: 'user', content: 'Hello there'}], {maxTokens: 8, temperature: 0});
    const tokens: string[] = [];
    for await (const e of gen) if (e.type === 'token') tokens.push(e.text);
    const r = await gen.result;
    expect(tokens.join('')).toBe(r.text);
    expect(r.usage.completionTokens).toBeGreaterThan(0);
    expect(r.usage.promptTokens).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(r.finishReason);
    if (r.timings.promptTimingSource === 'server') expect(r.timings.promptMs).toBeGreaterThanOrEqual(0);
  });

  it('a completion with stop sequences and max tokens', async () => {
    const host = await openEndpoint({url: `${served.url}/v1`});
    const r = await host.complete('1, 2, 3,', {maxTokens: 5, temperature: 0, ignoreEos: true}).result;
    expect(r.usage.completionTokens).toBe(5);
    expect(r.finishReason).toBe('length');
  });

  it('tool calls come back validated against the zod schema', async () => {
    const host = await openEndpoint({url: served.url});
    const tool = {name: 'lookup', description: 'Look a word up', parameters: z.object({word: z.string()})};
    const r = await host.chat([{role: 'user', content: 'Look up "june"'}], {tools: [tool], maxTokens: 48, temperature: 0}).result;
    for (const call of r.toolCalls) {
      expect(call.name).toBe('lookup');
      expect(tool.parameters.safeParse(call.arguments).success).toBe(true);
    }
    if (r.toolCalls.length) expect(r.finishReason).toBe('tool_calls');
  });

  it('a JSON-schema answer parses', async () => {
    const host = await openEndpoint({url: served.url});
    const r = await host.chat([{role: 'user', content: 'x'}], {
      jsonSchema: {type: 'object', properties: {ok: {type: 'boolean'}}, required: ['ok'], additionalProperties: false},
      maxTokens: 24,
      temperature: 0,
    }).result;
    expect(typeof (JSON.parse(r.text) as {ok: unknown}).ok).toBe('boolean');
  });

  it('a server killed mid-stream gives ENDPOINT_BAD_RESPONSE; then ENDPOINT_UNREACHABLE', async () => {
    const {home: h2, cleanup: c2} = tempHome();
    const victim = await startJuneServe(['--model', requireTinyModel(), '--ctx-size', '4096'], h2);
    try {
      const host = await openEndpoint({url: victim.url, retry: {retries: 1, baseDelayMs: 10}});
      const gen = host.complete('Once upon a time', {maxTokens: 4000, ignoreEos: true, temperature: 0.8});
      let seen = 0;
      const err = await caughtJuneError(
        (async () => {
          for await (const e of gen) {
            if (e.type === 'token' && ++seen === 1) victim.proc.kill('SIGKILL');
          }
        })(),
      );
      expect(seen).toBeGreaterThan(0);
      expect(err.code).toBe('ENDPOINT_BAD_RESPONSE');
      expect(err.message).toMatch(/cut mid-way|ended before the answer was complete/);
      await victim.proc.catch(() => undefined);
      const again = await caughtJuneError(host.chat([{role: 'user', content: 'x'}]).result);
      expect(again.code).toBe('ENDPOINT_UNREACHABLE');
      expect(again.message).toContain(victim.url);
    } finally {
      victim.proc.kill('SIGKILL');
      c2();
    }
  });
});
