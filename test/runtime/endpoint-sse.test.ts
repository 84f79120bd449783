/**
 * The endpoint backend reading recorded SSE streams in the shapes llama-server, vLLM and Ollama
 * document, replayed byte for byte by a tiny HTTP server on 127.0.0.1.
 */
import {freePort} from '../helpers/env.js';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {z} from 'zod';
import {openEndpoint, parseEndpointUrl, resolveApiKey} from '../../src/runtime/endpoint/index.js';
import type {GenerationEvent, ToolSpec} from '../../src/runtime/model-host.js';
import {type ReplayServer, startReplayServer} from './endpoint-replay-server.js';
import {caughtJuneError} from '../helpers/errors.js';

const weather: ToolSpec = {
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: z.object({location: z.string(), unit: z.enum(['celsius', 'fahrenheit']).optional()}),
};

async function collect(gen: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const out: GenerationEvent[] = [];
  for await (const e of gen) out.push(e);
  return out;
}


let server: ReplayServer;
beforeAll(async () => {
  server = await startReplayServer(['fixture-model', 'other']);
});
afterAll(async () => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

const fast = {retry: {retries: 2, baseDelayMs: 5}};

describe('endpoint backend on recorded streams', () => {
  it('llama-server chat: tokens in order, usage, and the server\'s own prompt timings', async () => {
    server.script([{fixture: 'llama-server-chat.sse'}]);
    const host = await openEndpoint({url: server.url, ...fast});
    expect(host.info).toMatchObject({id: 'fixture-model', backend: 'endpoint', source: server.url});
    const gen = host.chat([{role: 'user', content: 'hi'}], {maxTokens: 8, temperature: 0, topP: 0.9, seed: 7, stop: ['\n']});
    const events = await collect(gen);
    expect(events.filter((e) => e.type === 'token').map((e) => (e as {text: string}).text)).toEqual(['Hello', ',', ' world', '!']);
    const last = events.at(-1);
    expect(last?.type).toBe('done');
    const result = await gen.result;
    expect(result.text).toBe('Hello, world!');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({promptTokens: 18, completionTokens: 4});
    expect(result.timings.promptTimingSource).toBe('server');
    expect(result.timings.promptMs).toBe(41.2);
    expect(result.timings.ttftMs).toBeGreaterThanOrEqual(0);
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.ttftMs);
    const body = server.requests[0]?.body;
    expect(server.requests[0]?.path).toBe('/v1/chat/completions');
    expect(body).toMatchObject({
      model: 'fixture-model',
      stream: true,
      max_tokens: 8,
      temperature: 0,
      top_p: 0.9,
      seed: 7,
      stop: ['\n'],
      messages: [{role: 'user', content: 'hi'}],
    });
  });

  it('llama-server tool call: argument fragments assembled and validated', async () => {
    server.script([{fixture: 'llama-server-tools.sse'}]);
    const host = await openEndpoint({url: `${server.url}/v1/`, ...fast});
    const gen = host.chat([{role: 'user', content: 'weather in Paris?'}], {tools: [weather]});
    const events = await collect(gen);
    const calls = events.filter((e) => e.type === 'tool_call');
    expect(calls).toEqual([{type: 'tool_call', call: {id: 'Gk2x8mQpW1eR', name: 'get_weather', arguments: {location: 'Paris'}}}]);
    const result = await gen.result;
    expect(result.finishReason).toBe('tool_calls');
    expect(result.text).toBe('');
    const tools = server.requests[0]?.body.tools as {type: string; function: {name: string; parameters: {properties: object}}}[];
    expect(tools[0]?.type).toBe('function');
    expect(tools[0]?.function.name).toBe('get_weather');
    expect(Object.keys(tools[0]?.function.parameters.properties ?? {})).toEqual(['location', 'unit']);
  });

  it('vLLM parallel tool calls by index, then the usage chunk', async () => {
    server.script([{fixture: 'vllm-tools.sse'}]);
    const host = await openEndpoint({url: server.url, model: 'fixture-model', ...fast});
    const result = await host.chat([{role: 'user', content: 'Paris and Oslo'}], {tools: [weather]}).result;
    expect(result.toolCalls).toEqual([
      {id: 'chatcmpl-tool-0a1b2c3d', name: 'get_weather', arguments: {location: 'Paris', unit: 'celsius'}},
      {id: 'chatcmpl-tool-4e5f6a7b', name: 'get_weather', arguments: {location: 'Oslo'}},
    ]);
    expect(result.finishReason).toBe('tool_calls');
    expect(result.usage).toMatchObject({promptTokens: 214, completionTokens: 39});
    expect(result.timings.promptTimingSource).toBe('unavailable');
    expect(result.timings.promptMs).toBeUndefined();
  });

  it('vLLM chat cut by max_tokens reports length', async () => {
    server.script([{fixture: 'vllm-chat.sse'}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const result = await host.chat([{role: 'user', content: 'add'}], {maxTokens: 3}).result;
    expect(result).toMatchObject({text: 'def add(a, b):', finishReason: 'length', usage: {promptTokens: 25, completionTokens: 3}});
  });

  it('vLLM /v1/completions streams text', async () => {
    server.script([{fixture: 'vllm-completions.sse'}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const gen = host.complete('def add(a, b):\n', {maxTokens: 16});
    const tokens = (await collect(gen)).filter((e) => e.type === 'token').map((e) => (e as {text: string}).text);
    expect(tokens.join('')).toBe('    return a + b\n');
    expect((await gen.result).usage.completionTokens).toBe(5);
    expect(server.requests[0]?.path).toBe('/v1/completions');
    expect(server.requests[0]?.body.prompt).toBe('def add(a, b):\n');
  });

  it('Ollama: whole tool calls, parallel calls sharing index 0 kept apart by id', async () => {
    server.script([{fixture: 'ollama-tools.sse'}]);
    const host = await openEndpoint({url: `${server.url}/v1`, ...fast});
    const result = await host.chat([{role: 'user', content: 'Paris and Tokyo'}], {tools: [weather]}).result;
    expect(result.toolCalls).toEqual([
      {id: 'call_k2j4h6g8', name: 'get_weather', arguments: {location: 'Paris'}},
      {id: 'call_p9o8i7u6', name: 'get_weather', arguments: {location: 'Tokyo', unit: 'fahrenheit'}},
    ]);
  });

  it('Ollama chat text', async () => {
    server.script([{fixture: 'ollama-chat.sse'}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const result = await host.chat([{role: 'user', content: 'sky?'}]).result;
    expect(result.text).toBe('The sky is blue.');
    expect(result.usage.promptTokens).toBe(26);
  });

  it('tool-call arguments that break the zod schema are INFERENCE_FAILED', async () => {
    server.script([{fixture: 'ollama-tools.sse'}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const strict: ToolSpec = {...weather, parameters: z.object({location: z.string(), unit: z.enum(['kelvin'])})};
    const err = await caughtJuneError(host.chat([{role: 'user', content: 'x'}], {tools: [strict]}).result);
    expect(err.code).toBe('INFERENCE_FAILED');
    expect(err.message).toMatch(/get_weather.*unit/);
  });

  it('constrained tool mode: the protocol prompt, a json_schema response_format, and the call parsed from the JSON answer', async () => {
    server.script([{fixture: 'llama-server-json-schema.sse'}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const gen = host.chat([{role: 'system', content: 'Be brief.'}, {role: 'user', content: 'weather in Paris?'}], {tools: [weather], toolMode: 'constrained'});
    const events = await collect(gen);
    expect(events.filter((e) => e.type === 'token')).toEqual([]);
    const result = await gen.result;
    expect(result.toolCalls).toMatchObject([{name: 'get_weather', arguments: {location: 'Paris'}}]);
    expect(result.finishReason).toBe('tool_calls');
    const body = server.requests[0]?.body as {tools?: unknown; messages: {role: string; content: string}[]; response_format: {type: string; json_schema: {schema: {oneOf: unknown[]}}}};
    expect(body.tools).toBeUndefined();
    expect(body.messages[0]?.role).toBe('system');
    expect(body.messages[0]?.content).toMatch(/^Be brief\.\n\nYou can call tools/);
    expect(body.response_format.type).toBe('json_schema');
    expect(body.response_format.json_schema.schema.oneOf).toHaveLength(2);
  });

  it('a JSON schema goes out as response_format json_schema', async () => {
    server.script([{fixture: 'ollama-chat.sse'}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const schema = {type: 'object', properties: {a: {type: 'number'}}, required: ['a']};
    await host.chat([{role: 'user', content: 'x'}], {jsonSchema: schema}).result;
    expect(server.requests[0]?.body.response_format).toEqual({type: 'json_schema', json_schema: {name: 'answer', schema, strict: true}});
  });

  it('the api key goes out as a bearer token', async () => {
    server.script([{fixture: 'ollama-chat.sse'}]);
    const host = await openEndpoint({url: server.url, apiKey: 'sk-test-123', ...fast});
    await host.chat([{role: 'user', content: 'x'}]).result;
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-test-123');
  });
});

describe('endpoint backend failures', () => {
  it('a data line that is not JSON is ENDPOINT_BAD_RESPONSE', async () => {
    server.script([{fixture: 'malformed-json.sse'}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const err = await caughtJuneError(host.chat([{role: 'user', content: 'x'}]).result);
    expect(err.code).toBe('ENDPOINT_BAD_RESPONSE');
    expect(err.message).toMatch(/not JSON/);
  });

  it('a stream that ends without finish_reason or [DONE] is ENDPOINT_BAD_RESPONSE', async () => {
    server.script([{fixture: 'truncated.sse'}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const err = await caughtJuneError(host.chat([{role: 'user', content: 'x'}]).result);
    expect(err.code).toBe('ENDPOINT_BAD_RESPONSE');
    expect(err.message).toMatch(/ended before the answer was complete/);
  });

  it('a connection cut mid-stream is ENDPOINT_BAD_RESPONSE, and the tokens before it were streamed', async () => {
    server.script([{fixture: 'vllm-chat.sse', cutAfterBytes: 700}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const gen = host.chat([{role: 'user', content: 'x'}]);
    const seen: string[] = [];
    const err = await caughtJuneError(
      (async () => {
        for await (const e of gen) if (e.type === 'token') seen.push(e.text);
      })(),
    );
    expect(err.code).toBe('ENDPOINT_BAD_RESPONSE');
    expect(seen.length).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(1); // no retry once bytes have arrived
  });

  it('an error event mid-stream is ENDPOINT_ERROR with the server\'s message', async () => {
    server.script([{fixture: 'vllm-error-midstream.sse'}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const err = await caughtJuneError(host.chat([{role: 'user', content: 'x'}]).result);
    expect(err.code).toBe('ENDPOINT_ERROR');
    expect(err.message).toMatch(/longer than the maximum model length/);
  });

  it('4xx is ENDPOINT_ERROR with the server\'s message and no retry', async () => {
    server.script([{status: 400, body: {object: 'error', message: 'temperature must be non-negative', type: 'BadRequestError', code: 400}}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const err = await caughtJuneError(host.chat([{role: 'user', content: 'x'}], {temperature: -1}).result);
    expect(err.code).toBe('ENDPOINT_ERROR');
    expect(err.message).toMatch(/400.*temperature must be non-negative/);
    expect(server.requests).toHaveLength(1);
  });

  it('401 hints at the api key', async () => {
    server.script([{status: 401, body: {error: {message: 'Invalid API Key', type: 'authentication_error'}}}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const err = await caughtJuneError(host.chat([{role: 'user', content: 'x'}]).result);
    expect(err.code).toBe('ENDPOINT_ERROR');
    expect(err.hint).toMatch(/--api-key|JUNE_API_KEY/);
  });

  it('429 and 5xx before the first byte are retried, then succeed', async () => {
    server.script([
      {status: 503, body: {error: {message: 'Loading model'}}},
      {status: 429, body: {error: 'busy'}, headers: {'retry-after': '0'}},
      {fixture: 'ollama-chat.sse'},
    ]);
    const host = await openEndpoint({url: server.url, ...fast});
    const result = await host.chat([{role: 'user', content: 'x'}]).result;
    expect(result.text).toBe('The sky is blue.');
    expect(server.requests).toHaveLength(3);
  });

  it('5xx that persists is ENDPOINT_ERROR after the retries', async () => {
    server.script([{status: 500, body: {error: {message: 'CUDA out of memory'}}}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const err = await caughtJuneError(host.chat([{role: 'user', content: 'x'}]).result);
    expect(err.code).toBe('ENDPOINT_ERROR');
    expect(err.message).toMatch(/500.*CUDA out of memory/);
    expect(server.requests).toHaveLength(3);
  });

  it('a hang-up before any byte is retried', async () => {
    server.script([{hangUp: true}, {fixture: 'ollama-chat.sse'}]);
    const host = await openEndpoint({url: server.url, ...fast});
    expect((await host.chat([{role: 'user', content: 'x'}]).result).text).toBe('The sky is blue.');
    expect(server.requests).toHaveLength(2);
  });

  it('a refused connection is ENDPOINT_UNREACHABLE naming the URL', async () => {
    const port = await freePort();
    const err = await caughtJuneError(openEndpoint({url: `http://127.0.0.1:${port}`, ...fast}));
    expect(err.code).toBe('ENDPOINT_UNREACHABLE');
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('per-request timeout is TIMEOUT', async () => {
    server.script([{fixture: 'ollama-chat.sse', delayMs: 2000}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const err = await caughtJuneError(host.chat([{role: 'user', content: 'x'}], {timeoutMs: 200}).result);
    expect(err.code).toBe('TIMEOUT');
  });

  it('an AbortSignal cancels the request: finishReason abort, nothing retried', async () => {
    server.script([{fixture: 'ollama-chat.sse', delayMs: 2000}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const ctrl = new AbortController();
    const p = host.chat([{role: 'user', content: 'x'}], {signal: ctrl.signal}).result;
    setTimeout(() => ctrl.abort(), 100);
    const r = await p;
    expect(r.finishReason).toBe('abort');
    expect(r.text).toBe('');
    expect(server.requests).toHaveLength(1);
  });

  it('an abort mid-stream keeps the text so far', async () => {
    server.script([{fixture: 'vllm-chat.sse', cutAfterBytes: 700}]);
    const host = await openEndpoint({url: server.url, ...fast});
    const ctrl = new AbortController();
    const gen = host.chat([{role: 'user', content: 'x'}], {signal: ctrl.signal});
    for await (const e of gen) if (e.type === 'token' && e.text === ' add') ctrl.abort();
    const r = await gen.result;
    expect(r.finishReason).toBe('abort');
    expect(r.text).toBe('def add');
  });

  it('a model the server does not serve still goes out by name; a server with no models is an error', async () => {
    const empty = await startReplayServer([]);
    try {
      const err = await caughtJuneError(openEndpoint({url: empty.url, ...fast}));
      expect(err.code).toBe('ENDPOINT_ERROR');
      expect(err.message).toMatch(/lists no models/);
    } finally {
      await empty.close();
    }
  });
});

describe('endpoint URLs and keys', () => {
  it.each([
    ['ftp://example.com', /only http and https/],
    ['localhost:8080', /only http and https|not a URL/],
    ['not a url', /not a URL/],
    ['http://', /not a URL|no host/],
    ['http://user:pw@host:1', /credentials/],
    ['http://host:1/v1?x=1', /query/],
  ])('%s is a USAGE error', async (url, re) => {
    const err = await caughtJuneError(openEndpoint({url}));
    expect(err.code).toBe('USAGE');
    expect(err.message).toMatch(re);
    expect(err.hint).toBeTruthy();
  });

  it('normalises the server root', () => {
    expect(parseEndpointUrl('http://127.0.0.1:8080').base).toBe('http://127.0.0.1:8080');
    expect(parseEndpointUrl('http://localhost:11434/v1/').base).toBe('http://localhost:11434');
    expect(parseEndpointUrl('https://gw.example.com/llm/v1').base).toBe('https://gw.example.com/llm');
  });

  it('takes the key from the flag, then JUNE_API_KEY, then OPENAI_API_KEY', () => {
    expect(resolveApiKey('a', {JUNE_API_KEY: 'b', OPENAI_API_KEY: 'c'})).toBe('a');
    expect(resolveApiKey(undefined, {JUNE_API_KEY: 'b', OPENAI_API_KEY: 'c'})).toBe('b');
    expect(resolveApiKey(undefined, {OPENAI_API_KEY: 'c'})).toBe('c');
    expect(resolveApiKey(undefined, {})).toBeUndefined();
  });
});

