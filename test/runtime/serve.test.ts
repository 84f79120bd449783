/**
 * june serve's HTTP layer over the real embedded backend and the tiny model, driven by the official
 * `openai` npm client: models, chat (streamed and not), tools, response_format, completions, auth,
 * health, metrics, and concurrent requests that must not corrupt each other.
 */
import OpenAI from 'openai';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {ConfigSchema} from '../../src/config.js';
import type {ModelHost} from '../../src/runtime/model-host.js';
import {openModel} from '../../src/runtime/open-model.js';
import {type RunningServer, startServer} from '../../src/runtime/serve/index.js';
import {requireTinyModel} from '../helpers/env.js';

const KEY = 'test-key-7c1e';
let host: ModelHost;
let server: RunningServer;
let client: OpenAI;

beforeAll(async () => {
  host = await openModel({model: requireTinyModel(), config: ConfigSchema.parse({}), env: {}, gpu: 'false', threads: 1, contextSize: 1024, parallel: 2});
  server = await startServer({host, port: 0, apiKey: KEY, parallel: 2});
  client = new OpenAI({baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0});
});
afterAll(async () => {
  await server?.close();
  await host?.close();
});

describe('june serve (in process) with the openai client', () => {
  it('binds to 127.0.0.1 on a free port and lists the loaded model', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([host.info.id]);
  });

  it('answers a chat completion whatever model name the request gives', async () => {
    const r = await client.chat.completions.create({model: 'gpt-4o', messages: [{role: 'user', content: 'Hello'}], max_tokens: 6, temperature: 0});
    expect(r.object).toBe('chat.completion');
    expect(r.model).toBe(host.info.id);
    expect(typeof r.choices[0]?.message.content).toBe('string');
    expect(['stop', 'length']).toContain(r.choices[0]?.finish_reason);
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
    expect(r.usage?.completion_tokens).toBeLessThanOrEqual(6);
  });

  it('streams chat chunks that add up to the non-streamed answer', async () => {
    const params = {model: 'x', messages: [{role: 'user' as const, content: 'Count: one two'}], max_tokens: 8, temperature: 0, seed: 1};
    const whole = await client.chat.completions.create(params);
    const stream = await client.chat.completions.create({...params, stream: true, stream_options: {include_usage: true}});
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | undefined | null;
    let chunks = 0;
    for await (const c of stream) {
      chunks++;
      text += c.choices[0]?.delta.content ?? '';
      if (c.choices[0]?.finish_reason) finish = c.choices[0].finish_reason;
      if (c.usage) usage = c.usage;
    }
    expect(chunks).toBeGreaterThan(2);
    expect(text).toBe(whole.choices[0]?.message.content);
    expect(finish).toBe(whole.choices[0]?.finish_reason);
    expect(usage?.completion_tokens).toBe(whole.usage?.completion_tokens);
  });

  it('returns a tool call whose arguments validate against the declared schema', async () => {
    const r = await client.chat.completions.create({
      model: 'x',
      messages: [{role: 'user', content: 'What is the weather in Paris?'}],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Current weather for a city',
            parameters: {type: 'object', properties: {city: {type: 'string'}}, required: ['city'], additionalProperties: false},
          },
        },
      ],
      tool_choice: {type: 'function', function: {name: 'get_weather'}},
      max_tokens: 48,
      temperature: 0,
    });
    const msg = r.choices[0]?.message;
    // the tiny model answers under the constrained grammar: either a call or a final answer, always well-formed
    if (msg?.tool_calls?.length) {
      const call = msg.tool_calls[0] as OpenAI.ChatCompletionMessageFunctionToolCall;
      expect(call.function.name).toBe('get_weather');
      const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
      expect(typeof args.city).toBe('string');
      expect(r.choices[0]?.finish_reason).toBe('tool_calls');
    } else {
      expect(typeof msg?.content).toBe('string');
    }
  });

  it('honours response_format json_schema', async () => {
    const r = await client.chat.completions.create({
      model: 'x',
      messages: [{role: 'user', content: 'Give a number'}],
      response_format: {
        type: 'json_schema',
        json_schema: {name: 'n', schema: {type: 'object', properties: {n: {type: 'integer'}}, required: ['n'], additionalProperties: false}},
      },
      max_tokens: 32,
      temperature: 0,
    });
    const parsed = JSON.parse(r.choices[0]?.message.content ?? '') as {n: unknown};
    expect(Number.isInteger(parsed.n)).toBe(true);
  });

  it('serves /v1/completions, streamed and not', async () => {
    const r = await client.completions.create({model: 'x', prompt: 'def add(a, b):', max_tokens: 5, temperature: 0});
    expect(r.object).toBe('text_completion');
    const stream = await client.completions.create({model: 'x', prompt: 'def add(a, b):', max_tokens: 5, temperature: 0, stream: true});
    let text = '';
    for await (const c of stream) text += c.choices[0]?.text ?? '';
    expect(text).toBe(r.choices[0]?.text);
  });

  it('concurrent requests do not corrupt each other', async () => {
    const prompts = ['The cat', 'In 1492', 'def fib(n):', 'SELECT * FROM', 'Once upon a time'];
    const ask = (p: string) => client.completions.create({model: 'x', prompt: p, max_tokens: 12, temperature: 0}).then((r) => r.choices[0]?.text);
    const sequential: (string | undefined)[] = [];
    for (const p of prompts) sequential.push(await ask(p));
    const concurrent = await Promise.all(prompts.map(ask));
    expect(concurrent).toEqual(sequential);
  });

  it('a client that goes away mid-stream frees its sequence for the next request', async () => {
    const ctrl = new AbortController();
    const stream = await client.completions.create(
      {model: 'x', prompt: 'Once upon a time', max_tokens: 3000, temperature: 0.8, stream: true, ignore_eos: true} as OpenAI.CompletionCreateParamsStreaming,
      {signal: ctrl.signal},
    );
    let chunks = 0;
    try {
      for await (const _ of stream) if (++chunks === 3) ctrl.abort();
    } catch {
      // the client's abort ends its stream
    }
    expect(chunks).toBeGreaterThanOrEqual(3);
    expect(chunks).toBeLessThan(100);
    // the generation is cancelled server-side: nothing stays in flight
    let inFlight = -1;
    for (let i = 0; i < 30 && inFlight !== 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const m = await (await fetch(`${server.url}/metrics`, {headers: {authorization: `Bearer ${KEY}`}})).text();
      inFlight = Number(/^june_requests_in_flight\{[^}]*\} (\d+)/m.exec(m)?.[1] ?? -1);
    }
    expect(inFlight).toBe(0);
    const r = await client.completions.create({model: 'x', prompt: 'Next', max_tokens: 3, temperature: 0});
    expect(r.choices[0]?.finish_reason).toBeDefined();
  });

  it('refuses requests without the bearer token; /health stays open', async () => {
    const anon = new OpenAI({baseURL: `${server.url}/v1`, apiKey: 'wrong', maxRetries: 0});
    await expect(anon.models.list()).rejects.toMatchObject({status: 401});
    const h = await fetch(`${server.url}/health`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({status: 'ok', model: host.info.id});
  });

  it('rejects bad requests with a 400 and OpenAI\'s error shape', async () => {
    await expect(client.chat.completions.create({model: 'x', messages: []})).rejects.toMatchObject({status: 400});
    const res = await fetch(`${server.url}/v1/chat/completions`, {method: 'POST', headers: {authorization: `Bearer ${KEY}`}, body: '{not json'});
    expect(res.status).toBe(400);
    const body = (await res.json()) as {error: {message: string; type: string}};
    expect(body.error.type).toBe('invalid_request_error');
    const n = await fetch(`${server.url}/v1/nope`, {headers: {authorization: `Bearer ${KEY}`}});
    expect(n.status).toBe(404);
  });

  it('exposes Prometheus metrics', async () => {
    const res = await fetch(`${server.url}/metrics`, {headers: {authorization: `Bearer ${KEY}`}});
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/june_requests_total\{[^}]*route="\/v1\/chat\/completions"[^}]*status="200"[^}]*\} [1-9]/);
    expect(text).toMatch(/june_request_errors_total\{[^}]*\} [1-9]/);
    expect(text).toMatch(/june_request_duration_seconds_bucket/);
    expect(text).toMatch(/june_time_to_first_token_seconds_count\{[^}]*\} [1-9]/);
    expect(text).toMatch(/june_generation_tokens_per_second_count\{[^}]*\} [1-9]/);
    expect(text).toMatch(/june_completion_tokens_total\{[^}]*\} [1-9]/);
  });
});
