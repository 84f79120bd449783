/**
 * The turn: audio order under streaming and the stage arithmetic (scripted model and voice, so the
 * timing is known), an empty transcript never reaching the LLM, and the real round trip
 * (pocketsphinx → tiny GGUF → espeak-ng) in both the streamed and the sequential way.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {rmsDbfs} from '../../src/pipeline/audio.js';
import {type OpenedPipeline, loadClip, openVoicePipeline} from '../../src/pipeline/session.js';
import {MemorySink} from '../../src/pipeline/sink.js';
import {WhisperEngine} from '../../src/pipeline/stt.js';
import type {SttEngine} from '../../src/pipeline/stt.js';
import type {AudioChunk, TtsEngine} from '../../src/pipeline/tts.js';
import {type TurnResult, TurnResultSchema, runTurn} from '../../src/pipeline/turn.js';
import type {Generation, GenerationEvent, GenerationResult, ModelHost} from '../../src/runtime/model-host.js';
import {openModel} from '../../src/runtime/open-model.js';
import {foxWav, helloWav, requireSpeechEngines, requireTinyModel, whisperTestModel} from '../helpers/env.js';
import {expectJuneError} from '../helpers/errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A model that streams the given tokens, `gapMs` apart, and records when it finished. */
function scriptedModel(tokens: string[], gapMs: number, log: {chatCalls: number; doneAt: number | null}): ModelHost {
  return {
    info: {id: 'scripted', backend: 'endpoint', source: 'test', contextSize: null, parameters: null, gpu: false, threads: null},
    chat(): Generation {
      log.chatCalls++;
      let resolveResult!: (r: GenerationResult) => void;
      const result = new Promise<GenerationResult>((r) => (resolveResult = r));
      async function* events(): AsyncGenerator<GenerationEvent> {
        for (const t of tokens) {
          await sleep(gapMs);
          yield {type: 'token', text: t};
        }
        log.doneAt = performance.now();
        const r: GenerationResult = {text: tokens.join(''), toolCalls: [], finishReason: 'stop', usage: {promptTokens: 5, completionTokens: tokens.length}, timings: {ttftMs: gapMs, totalMs: gapMs * tokens.length}};
        resolveResult(r);
        yield {type: 'done', result: r};
      }
      return Object.assign(events(), {result});
    },
    complete(): Generation {
      throw new Error('not used');
    },
    async close() {},
  };
}

/** A voice whose first piece is slow and later ones fast; every sample of piece i has the value i + 1. */
function scriptedVoice(said: string[]): TtsEngine {
  return {
    name: 'espeak-ng',
    detail: 'scripted',
    async *synthesize(text: string): AsyncGenerator<AudioChunk> {
      const i = said.push(text) - 1;
      await sleep(i === 0 ? 60 : 5);
      for (let k = 0; k < 3; k++) yield {pcm: new Int16Array(160).fill(i + 1), sampleRate: 16_000};
    },
    async close() {},
  };
}

function scriptedStt(text: string): SttEngine {
  return {
    name: 'pocketsphinx',
    detail: 'scripted',
    begin: () => ({write: () => undefined, end: async () => (await sleep(20), text)}),
    async close() {},
  };
}

const clip = {kind: 'clip' as const, pcm: {samples: new Int16Array(16_000), sampleRate: 16_000}, endOfSpeech: 12_000};

function expectStagesAddUp(r: TurnResult): void {
  const s = r.stages;
  expect(s.llmFirstTokenMs).toBeLessThanOrEqual(s.llmFirstSentenceMs);
  // each stage is rounded to 0.1 ms
  expect(Math.abs(s.sttMs + s.llmFirstSentenceMs + s.ttsFirstAudioMs - r.deadAirMs)).toBeLessThanOrEqual(0.31);
  expect(r.deadAirMs).toBeLessThanOrEqual(s.totalMs);
}

describe('streamed turn (scripted engines)', () => {
  it('speaks piece 1 while the model is still writing, and keeps the audio in order', async () => {
    const log = {chatCalls: 0, doneAt: null as number | null};
    const tokens = 'Yes, I can hear you. The answer is 3.5 metres. Dr. Smith agrees. ```\ncode.x\n``` Bye now.'.split(/(?<= )/);
    const said: string[] = [];
    const order: number[] = [];
    let firstAudioAt: number | null = null;
    const sink = new MemorySink();
    const write = sink.write.bind(sink);
    sink.write = (c) => {
      firstAudioAt ??= performance.now();
      order.push(c.pcm[0]!);
      write(c);
    };
    const o = await runTurn({stt: scriptedStt('can you hear me'), tts: scriptedVoice(said), model: scriptedModel(tokens, 15, log), maxTokens: 100}, clip, {sink});
    expect(said).toEqual(['Yes, I can hear you.', 'The answer is 3.5 metres.', 'Dr. Smith agrees.', 'code omitted.', 'Bye now.']);
    expect(order).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5]);
    expect(firstAudioAt!).toBeLessThan(log.doneAt!);
    expect(o.result.reply).toContain('```\ncode.x\n```');
    expect(o.result.transcript).toBe('can you hear me');
    expect(TurnResultSchema.parse(o.result)).toEqual(o.result);
    expectStagesAddUp(o.result);
    expect(o.replyAudioMs).toBeCloseTo((15 * 160 * 1000) / 16_000, 5);
  });

  it('the sequential way speaks only after the whole reply is written and synthesised', async () => {
    const log = {chatCalls: 0, doneAt: null as number | null};
    let firstAudioAt: number | null = null;
    const sink = new MemorySink();
    const write = sink.write.bind(sink);
    sink.write = (c) => {
      firstAudioAt ??= performance.now();
      write(c);
    };
    const o = await runTurn({stt: scriptedStt('hi'), tts: scriptedVoice([]), model: scriptedModel(['One. ', 'Two. ', 'Three.'], 15, log), maxTokens: 10}, clip, {sink, mode: 'sequential'});
    expect(firstAudioAt!).toBeGreaterThan(log.doneAt!);
    expectStagesAddUp(o.result);
  });

  it('an empty transcript is "no speech recognised" and never reaches the LLM', async () => {
    const log = {chatCalls: 0, doneAt: null};
    const err = await expectJuneError(runTurn({stt: scriptedStt('  '), tts: scriptedVoice([]), model: scriptedModel(['x'], 1, log), maxTokens: 5}, clip, {sink: new MemorySink()}), 'NO_SPEECH');
    expect(err.message).toMatch(/no speech recognised/);
    expect(log.chatCalls).toBe(0);
  });

  it('the whisper test model (empty: no text) gives "no speech recognised", the LLM untouched', async () => {
    const whisper = await WhisperEngine.open(whisperTestModel, {threads: 2});
    const {input} = await loadClip(helloWav);
    const log = {chatCalls: 0, doneAt: null};
    await expectJuneError(runTurn({stt: whisper, tts: scriptedVoice([]), model: scriptedModel(['x'], 1, log), maxTokens: 5}, input, {sink: new MemorySink()}), 'NO_SPEECH');
    expect(log.chatCalls).toBe(0);
  });
});

describe('round trip: pocketsphinx → tiny GGUF → espeak-ng', () => {
  let p: OpenedPipeline;
  beforeAll(async () => {
    requireSpeechEngines();
    const model = requireTinyModel();
    p = await openVoicePipeline({stt: 'pocketsphinx', tts: 'espeak-ng', maxTokens: 24, openLlm: () => openModel({model, contextSize: 1024, threads: 1})});
  });
  afterAll(async () => p?.close());

  // first in this block: the recogniser has heard nothing but the warm-up
  it('turn 1 after the warm-up hears a clip exactly as turn 2 does (no other voice warmed the recogniser)', async () => {
    const {input} = await loadClip(foxWav);
    const heard: string[] = [];
    for (let turn = 0; turn < 2; turn++) {
      const s = p.stt.begin();
      s.write(input.pcm.samples);
      heard.push(await s.end());
    }
    expect(heard[0]).toContain('the quick brown fox jumps over the lazy dog');
    expect(heard[0]).toBe(heard[1]);
  });

  for (const mode of ['streamed', 'sequential'] as const)
    it(`${mode}: hears "hello can you hear me" and answers with non-silent audio of plausible length`, async () => {
      const {input} = await loadClip(helloWav);
      const sink = new MemorySink();
      const o = await runTurn(p, input, {sink, mode, realtime: mode === 'streamed'});
      const r = o.result;
      expect(r.transcript).toContain('hello can you hear me');
      expect(r.reply.length).toBeGreaterThan(0);
      expect(r.engines).toEqual({stt: 'pocketsphinx', tts: 'espeak-ng', llm: 'llama-2-tiny-random'});
      const pcm = sink.pcm();
      expect(pcm.sampleRate).toBe(22_050);
      // 24 tokens of speech: between half a second and a minute
      expect(sink.durationMs).toBeGreaterThan(500);
      expect(sink.durationMs).toBeLessThan(60_000);
      expect(rmsDbfs(pcm.samples)).toBeGreaterThan(-40);
      expect(o.replyTokens).toBeGreaterThan(0);
      expect(o.replyTokens).toBeLessThanOrEqual(24);
      expectStagesAddUp(r);
      expect(r.stages.sttMs).toBeGreaterThan(0);
    });

  it('streamed, a last word\'s quiet tail below the energy gate still reaches the recogniser (the post-roll)', async () => {
    const {input} = await loadClip(foxWav);
    for (let turn = 0; turn < 2; turn++) {
      const o = await runTurn(p, input, {sink: new MemorySink(), mode: 'streamed'});
      expect(o.result.transcript).toBe('the quick brown fox jumps over the lazy dog will the weather today is sunny and warm');
    }
  });
});
