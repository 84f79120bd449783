/**
 * The embedded backend, real inference with the tiny random model on CPU (gibberish text: these
 * tests check mechanics — streaming, stops, cancellation, timeouts, constraints, tools, KV reuse).
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {z} from 'zod';
import {JuneError} from '../../src/errors.js';
import {type EmbeddedModel, embeddedStats, loadEmbeddedModel} from '../../src/runtime/embedded/index.js';
import type {ChatMessage, GenerationEvent, ToolSpec} from '../../src/runtime/model-host.js';
import {requireTinyModel} from '../helpers/env.js';
import {llamaSpec, writeGguf} from '../helpers/gguf-writer.js';

let host: EmbeddedModel;
beforeAll(async () => {
  host = await loadEmbeddedModel({path: requireTinyModel(), gpu: 'false', contextSize: 2048});
});
afterAll(async () => {
  await host?.close();
});

const convo: ChatMessage[] = [
  {role: 'system', content: 'You are a helpful assistant.'},
  {role: 'user', content: 'Write a short story about a cat who learns to program.'},
];

async function collect(gen: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const e of gen) events.push(e);
  return events;
}

describe('embedded backend: loading', () => {
  it('describes the model and uses cpuMathCores − 1 threads (min 1) on CPU', () => {
    expect(host.info).toMatchObject({backend: 'embedded', gpu: false, contextSize: 2048, parameters: 513048});
    expect(host.info.threads).toBe(Math.max(1, host.host.plan.gpu.cpuMathCores - 1));
    expect(host.host.plan.batchSize).toBe(512);
  });

  it('loads a model once per process and shares it', async () => {
    const before = embeddedStats();
    const again = await loadEmbeddedModel({path: requireTinyModel(), gpu: 'false', contextSize: 2048});
    expect(again.host).toBe(host.host);
    expect(embeddedStats().loadAttempts).toBe(before.loadAttempts);
    await again.close();
    // the first handle still works
    const r = await host.complete('Hello', {maxTokens: 2}).result;
    expect(r.usage.completionTokens).toBe(2);
  });

  it('a 30B-parameter GGUF is refused by the policy before node-llama-cpp is asked to load it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'june-30b-'));
    try {
      const path = join(dir, 'llama-30b.gguf');
      await writeGguf(path, llamaSpec({name: 'llama-30b', nEmbd: 6656, nLayer: 60, nHead: 52, nFf: 17920, nVocab: 32000}), {fill: 'sparse'});
      const before = embeddedStats().loadAttempts;
      const err = await loadEmbeddedModel({path, gpu: 'false'}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JuneError);
      expect((err as JuneError).code).toBe('MODEL_TOO_LARGE');
      expect(embeddedStats().loadAttempts).toBe(before);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });
});

describe('embedded backend: generation', () => {
  it('streams tokens in order: the events concatenate to the final text, then done', async () => {
    const gen = host.chat(convo, {maxTokens: 24, temperature: 0});
    const events = await collect(gen);
    const result = await gen.result;
    const last = events[events.length - 1];
    expect(last).toEqual({type: 'done', result});
    const tokens = events.filter((e): e is {type: 'token'; text: string} => e.type === 'token');
    expect(tokens.length).toBeGreaterThan(1);
    expect(tokens.map((t) => t.text).join('')).toBe(result.text);
    expect(result.finishReason).toBe('length');
    expect(result.usage.completionTokens).toBe(24);
    expect(result.usage.promptTokens).toBeGreaterThan(10);
    expect(result.timings.ttftMs).toBeGreaterThan(0);
    expect(result.timings.totalMs).toBeGreaterThanOrEqual(result.timings.ttftMs);
    // prompt processing is the engine's part of the time to first token
    expect(result.timings.promptTimingSource).toBe('measured');
    expect(result.timings.promptMs).toBeGreaterThan(0);
    expect(result.timings.promptMs).toBeLessThanOrEqual(result.timings.ttftMs);
  });

  it('complete() continues raw text and is deterministic with a seed', async () => {
    const a = await host.complete('def add(a, b):\n    return', {maxTokens: 12, temperature: 0.8, seed: 42}).result;
    const b = await host.complete('def add(a, b):\n    return', {maxTokens: 12, temperature: 0.8, seed: 42}).result;
    expect(a.text.length).toBeGreaterThan(0);
    expect(b.text).toBe(a.text);
  });

  it('complete() gives the model one BOS token, not two (node-llama-cpp prepends it), and counts it', async () => {
    const r = await host.complete('Hello world, this is a test', {maxTokens: 1, temperature: 0}).result;
    const inner = host.host as unknown as {slots: Array<{sequence: {contextTokens: number[]}}>; model: {tokens: {bos: number | null}}};
    const bos = inner.model.tokens.bos;
    expect(bos).not.toBeNull();
    const ctx = inner.slots.map((s) => s.sequence.contextTokens).find((t) => t.length > 0)!;
    expect(ctx[0]).toBe(bos);
    expect(ctx[1]).not.toBe(bos);
    // the prompt as counted (BOS + the text's tokens) is what the context holds (plus, at most, the generated token)
    expect(ctx.length - r.usage.promptTokens).toBeGreaterThanOrEqual(0);
    expect(ctx.length - r.usage.promptTokens).toBeLessThanOrEqual(r.usage.completionTokens);
    // every prompt token not served from the cache was evaluated, and is counted
    expect(r.usage.evaluatedPromptTokens).toBe(r.usage.promptTokens - r.usage.cachedPromptTokens!);
    const next = await host.complete('Another prompt entirely different', {maxTokens: 1, temperature: 0}).result;
    expect(next.usage.cachedPromptTokens).toBeGreaterThanOrEqual(1);
    expect(next.usage.evaluatedPromptTokens).toBe(next.usage.promptTokens - next.usage.cachedPromptTokens!);
  });

  it('stops before a stop sequence and leaves it out of the text and the stream', async () => {
    const free = await host.complete('Once upon a time', {maxTokens: 40, temperature: 0}).result;
    // pick a stop string the model really produces, a few tokens in
    const stop = free.text.slice(8, 14);
    expect(stop.length).toBe(6);
    const gen = host.complete('Once upon a time', {maxTokens: 40, temperature: 0, stop: [stop]});
    const events = await collect(gen);
    const r = await gen.result;
    expect(r.finishReason).toBe('stop');
    expect(r.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
    expect(r.text).not.toContain(stop);
    const streamed = events.flatMap((e) => (e.type === 'token' ? [e.text] : [])).join('');
    expect(streamed).toBe(r.text);
    expect(r.usage.completionTokens).toBeLessThan(40);
  });

  it('cancellation: aborting the signal ends with finishReason abort and keeps the text so far', async () => {
    const ac = new AbortController();
    const gen = host.chat(convo, {maxTokens: 1500, temperature: 0, signal: ac.signal});
    let seen = 0;
    let streamed = '';
    for await (const e of gen) {
      if (e.type === 'token') {
        streamed += e.text;
        if (++seen === 5) ac.abort();
      }
    }
    const r = await gen.result;
    expect(r.finishReason).toBe('abort');
    expect(r.usage.completionTokens).toBeGreaterThanOrEqual(5);
    expect(r.usage.completionTokens).toBeLessThan(1500);
    expect(r.text).toBe(streamed);
  });

  it('an already-aborted signal returns at once with finishReason abort', async () => {
    const r = await host.complete('Hello', {maxTokens: 50, signal: AbortSignal.abort()}).result;
    expect(r.finishReason).toBe('abort');
    expect(r.usage.completionTokens).toBe(0);
  });

  it('a per-request timeout rejects with JuneError TIMEOUT (result and iterator)', async () => {
    const gen = host.complete('Once upon a time', {maxTokens: 1900, temperature: 0, timeoutMs: 150});
    await expect(gen.result).rejects.toMatchObject({code: 'TIMEOUT'});
    await expect(collect(gen)).rejects.toBeInstanceOf(JuneError);
    // the sequence is free again afterwards
    const r = await host.complete('Hello', {maxTokens: 3}).result;
    expect(r.usage.completionTokens).toBe(3);
  });

  it('JSON-schema constrained output parses and matches the schema', async () => {
    // bounded strings: grammar-constrained sampling over a 32000-token vocabulary is slow on 2 cores
    // (no numbers: JSON has no digit limit, and the random model writes 4E3767963012621720 → Infinity)
    const Schema = z.object({name: z.string().max(12), active: z.boolean(), tags: z.array(z.enum(['a', 'b', 'c'])).max(3)});
    const r = await host.chat([{role: 'user', content: 'Describe a person as JSON.'}], {
      jsonSchema: z.toJSONSchema(Schema) as Record<string, unknown>,
      maxTokens: 120,
      temperature: 0.7,
      seed: 1,
    }).result;
    expect(r.finishReason).toBe('stop');
    const parsed = Schema.safeParse(JSON.parse(r.text));
    expect(parsed.error).toBeUndefined();
  });

  it('a GBNF grammar constrains complete()', async () => {
    const r = await host.complete('Answer yes or no:', {grammar: 'root ::= ("yes" | "no")', maxTokens: 10, temperature: 0.9, seed: 3}).result;
    expect(['yes', 'no']).toContain(r.text);
  });

  it('a bad grammar is BAD_INPUT', async () => {
    await expect(host.complete('x', {grammar: 'root ::= ( "unclosed', maxTokens: 3}).result).rejects.toMatchObject({code: 'BAD_INPUT'});
  });
});

describe('embedded backend: tool calls (constrained mode)', () => {
  // bounded strings keep grammar-constrained decoding short with the random model
  const readFile = {
    name: 'read_file',
    description: 'Read a file from the workspace',
    parameters: z.object({path: z.string().min(1).max(16), maxLines: z.number().int().positive().optional()}),
  } satisfies ToolSpec;
  const runTests = {
    name: 'run_tests',
    description: 'Run the test suite',
    parameters: z.object({pattern: z.string().max(16), verbose: z.boolean()}),
  } satisfies ToolSpec;
  const tools = [readFile, runTests];
  const ask: ChatMessage[] = [{role: 'system', content: 'You are a coding agent.'}, {role: 'user', content: 'Look at src/index.ts'}];

  it('the random model answers with exactly one declared call whose arguments validate against its zod schema', async () => {
    const gen = host.chat(ask, {tools, toolMode: 'constrained', maxTokens: 120, temperature: 0});
    const events = await collect(gen);
    const r = await gen.result;
    expect(r.finishReason).toBe('tool_calls');
    expect(r.toolCalls).toHaveLength(1);
    const call = r.toolCalls[0]!;
    expect(call.id).toMatch(/^call_/);
    const spec = tools.find((t) => t.name === call.name);
    expect(spec).toBeDefined();
    expect(spec!.parameters.safeParse(call.arguments).success).toBe(true);
    expect(events.filter((e) => e.type === 'tool_call')).toEqual([{type: 'tool_call', call}]);
    expect(events.some((e) => e.type === 'token')).toBe(false);
    expect(r.text).toBe('');

    // the tool result goes back into the conversation; the next turn is again one call or a final answer
    const history: ChatMessage[] = [
      ...ask,
      {role: 'assistant', content: r.text, toolCalls: r.toolCalls},
      {role: 'tool', content: 'export const x = 1;', toolCallId: call.id},
    ];
    const second = await host.chat(history, {tools, toolMode: 'constrained', maxTokens: 120, temperature: 0}).result;
    expect(['stop', 'tool_calls', 'length']).toContain(second.finishReason);
    for (const c of second.toolCalls) expect(tools.find((t) => t.name === c.name)!.parameters.safeParse(c.arguments).success).toBe(true);
    // the shared prefix (first turn) was served from the KV cache
    expect(second.usage.cachedPromptTokens).toBeGreaterThan(r.usage.promptTokens / 2);
  });

  it('a final answer streams while it decodes (its JSON string\'s text, token by token); a call streams nothing', async () => {
    let finals = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const gen = host.chat(ask, {tools, toolMode: 'constrained', maxTokens: 200, temperature: 0.8, seed});
      const tokens = (await collect(gen)).flatMap((e) => (e.type === 'token' ? [e.text] : []));
      const r = await gen.result;
      if (r.toolCalls.length > 0) {
        expect(tokens).toEqual([]);
        continue;
      }
      // the text streamed is the answer itself, never its JSON
      expect(tokens.join('')).toBe(r.text);
      expect(r.text).not.toMatch(/^\s*\{\s*"final"/);
      if (r.text.length > 20) expect(tokens.length).toBeGreaterThan(3);
      if (r.finishReason === 'stop') finals++;
    }
    expect(finals).toBeGreaterThan(0);
  });

  it('cut off by maxTokens: a final answer is the text so far (finishReason length); a call is an invalid call the caller can answer', async () => {
    const gen = host.chat(ask, {tools, toolMode: 'constrained', maxTokens: 12, temperature: 0.8, seed: 1});
    const tokens = (await collect(gen)).flatMap((e) => (e.type === 'token' ? [e.text] : []));
    const r = await gen.result;
    if (r.toolCalls.length === 0) {
      expect(r.finishReason).toBe('length');
      expect(tokens.join('')).toBe(r.text);
    }
    // greedy decoding answers with a call (the first test): 8 tokens cut it mid-JSON
    const cut = host.chat(ask, {tools, toolMode: 'constrained', maxTokens: 8, temperature: 0, invalidToolCalls: 'return'});
    const cutEvents = await collect(cut);
    const c = await cut.result;
    expect(cutEvents.some((e) => e.type === 'token')).toBe(false);
    expect(c).toMatchObject({text: '', toolCalls: [], finishReason: 'length'});
    expect(c.invalidToolCalls).toHaveLength(1);
    expect(c.invalidToolCalls![0]!.rawArguments).toMatch(/^\{\s*"tool"/);
    expect(c.invalidToolCalls![0]!.error).toBe('the reply was cut at 8 tokens before the call was complete: keep calls short (write big files in parts)');
    // without invalidToolCalls 'return' the cut call is its raw partial JSON
    const raw = await host.chat(ask, {tools, toolMode: 'constrained', maxTokens: 8, temperature: 0}).result;
    expect(raw.finishReason).toBe('length');
    expect(raw.text).toBe(c.invalidToolCalls![0]!.rawArguments);
  });

  it('countTokens is exact: it equals the prompt a chat with tools then reports (calls and results in the history)', async () => {
    expect(typeof host.countTokens).toBe('function');
    const first = await host.chat(ask, {tools, toolMode: 'constrained', maxTokens: 120, temperature: 0}).result;
    const history: ChatMessage[] = [
      ...ask,
      {role: 'assistant', content: '', toolCalls: first.toolCalls},
      {role: 'tool', content: 'export const x = 1;\n'.repeat(20), toolCallId: first.toolCalls[0]?.id ?? 'call_x'},
    ];
    for (const messages of [ask, history]) {
      const opts = {tools, toolMode: 'constrained' as const, maxTokens: 4, temperature: 0};
      const counted = await host.countTokens(messages, opts);
      const r = await host.chat(messages, opts).result;
      expect(counted).toEqual({tokens: r.usage.promptTokens, exact: true});
    }
  });

  it('tools with complete() or with jsonSchema are BAD_INPUT', async () => {
    await expect(host.complete('x', {tools}).result).rejects.toMatchObject({code: 'BAD_INPUT'});
    await expect(host.chat(ask, {tools, jsonSchema: {type: 'object'}}).result).rejects.toMatchObject({code: 'BAD_INPUT'});
  });
});

describe('embedded backend: KV reuse across turns', () => {
  it('a follow-up turn evaluates only the new tokens; a fresh context evaluates the whole history', async () => {
    // a second model instance (different context size → its own registry entry) stands for "fresh"
    const fresh = await loadEmbeddedModel({path: requireTinyModel(), gpu: 'false', contextSize: 1024});
    try {
      const turn1 = await host.chat(convo, {maxTokens: 16, temperature: 0}).result;
      const history: ChatMessage[] = [...convo, {role: 'assistant', content: turn1.text}, {role: 'user', content: 'Now make it rhyme.'}];
      const reused = await host.chat(history, {maxTokens: 8, temperature: 0}).result;
      const cold = await fresh.chat(history, {maxTokens: 8, temperature: 0}).result;

      expect(cold.usage.promptTokens).toBe(reused.usage.promptTokens);
      expect(cold.usage.cachedPromptTokens).toBe(0);
      expect(reused.usage.cachedPromptTokens).toBeGreaterThan(turn1.usage.promptTokens - 1);
      // measured by node-llama-cpp's token meter, not by our own arithmetic
      expect(reused.usage.evaluatedPromptTokens!).toBeLessThan(cold.usage.evaluatedPromptTokens!);
      expect(reused.usage.evaluatedPromptTokens!).toBeLessThan(reused.usage.promptTokens - turn1.usage.promptTokens);
      // same tokens in, same greedy tokens out
      expect(reused.text).toBe(cold.text);
    } finally {
      await fresh.close();
    }
  });
});
