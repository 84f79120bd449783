/**
 * One voice turn: speech → STT → LLM (streamed) → TTS → audio out, every stage timed.
 *
 * Streamed (june's way): the clip is delivered to the recogniser as it arrives (at real-time pace
 * with `realtime`, as a microphone would), up to the end of the last voiced segment; the LLM starts
 * the moment the transcript is final; its tokens go through the splitter, each piece is cleaned and
 * synthesised as soon as it is complete, and the audio goes out in order while the LLM goes on.
 *
 * Sequential (the seed's way, for the benchmark): the whole file is delivered, then the full
 * transcript, the full reply, the full synthesis, then the audio.
 *
 * Timings, all from performance.now():
 *   sttMs              last voiced sample delivered → final transcript
 *   llmFirstTokenMs    final transcript → first LLM token
 *   llmFirstSentenceMs final transcript → first speakable piece handed to TTS
 *   ttsFirstAudioMs    first piece handed to TTS → its first audio byte out
 *   deadAirMs          last voiced sample delivered → first reply audio byte out
 *                      (= sttMs + llmFirstSentenceMs + ttsFirstAudioMs)
 *   totalMs            last voiced sample delivered → last reply audio byte out
 * In the sequential way the first piece exists only once the whole reply is written, so
 * llmFirstSentenceMs is the whole reply's time there, and ttsFirstAudioMs the whole synthesis.
 */
import {z} from 'zod';
import {JuneError} from '../errors.js';
import type {ChatMessage, ModelHost} from '../runtime/model-host.js';
import type {Pcm} from './audio.js';
import type {AudioSink} from './sink.js';
import type {SttEngine} from './stt.js';
import {SpeechSplitter, cleanForSpeech, splitForSpeech} from './text.js';
import type {AudioChunk, TtsEngine} from './tts.js';

export const SPEECH_SYSTEM_PROMPT =
  'You are a voice assistant: your answer is spoken aloud. Answer in one to three short, plain spoken sentences. ' +
  'No markdown, lists, tables, code, URLs or emoji. Say numbers as a person would say them.';

export const StagesSchema = z.object({
  sttMs: z.number().nonnegative(),
  llmFirstTokenMs: z.number().nonnegative(),
  llmFirstSentenceMs: z.number().nonnegative(),
  ttsFirstAudioMs: z.number().nonnegative(),
  totalMs: z.number().nonnegative(),
});
export type Stages = z.infer<typeof StagesSchema>;

export const EnginesSchema = z.object({stt: z.string(), tts: z.string(), llm: z.string()});

/** The --json result of one turn (exactly these keys). */
export const TurnResultSchema = z
  .object({
    transcript: z.string(),
    reply: z.string(),
    stages: StagesSchema,
    deadAirMs: z.number().nonnegative(),
    /** The file written, or "playback", or null (benchmarks). */
    output: z.string().nullable(),
    engines: EnginesSchema,
  })
  .strict();
export type TurnResult = z.infer<typeof TurnResultSchema>;

/** One line of the turns record under june's home. */
export const TurnRecordSchema = z
  .object({
    date: z.string(),
    session: z.string(),
    turn: z.number().int().positive(),
    input: z.string(),
    mode: z.enum(['streamed', 'sequential']),
    realtime: z.boolean(),
    speechMs: z.number().nonnegative(),
    replyAudioMs: z.number().nonnegative(),
    pieces: z.number().int().nonnegative(),
    replyTokens: z.number().int().nonnegative(),
  })
  .extend(TurnResultSchema.shape)
  .strict();
export type TurnRecord = z.infer<typeof TurnRecordSchema>;

export interface VoicePipeline {
  stt: SttEngine;
  tts: TtsEngine;
  model: ModelHost;
  systemPrompt?: string;
  /** Reply-token cap. */
  maxTokens: number;
  temperature?: number;
}

/** A recorded clip whose end of speech the VAD found. */
export interface ClipInput {
  kind?: 'clip';
  /** 16 kHz mono s16. */
  pcm: Pcm;
  /** One past the last voiced sample (the VAD's end of speech). */
  endOfSpeech: number;
}

/**
 * A live source (a microphone): `run` writes 16 kHz mono s16 to `write` as it arrives and resolves
 * once the speaker has stopped, with the moment the last voiced sample was delivered.
 */
export interface LiveInput {
  kind: 'live';
  run(write: (pcm: Int16Array) => void, signal?: AbortSignal): Promise<{lastVoicedAt: number; speechMs: number}>;
}

export type TurnInput = ClipInput | LiveInput;

export interface TurnOptions {
  mode?: 'streamed' | 'sequential';
  /** Deliver the clip at real-time pace. */
  realtime?: boolean;
  sink: AudioSink;
  output?: string | null;
  /** Earlier turns of the conversation (user/assistant), oldest first. */
  history?: ChatMessage[];
  signal?: AbortSignal;
  /** Told each piece as it is handed to TTS (UI, tests). */
  onPiece?: (piece: {raw: string; spoken: string; index: number}) => void;
}

export interface TurnOutcome {
  result: TurnResult;
  speechMs: number;
  replyAudioMs: number;
  pieces: string[];
  replyTokens: number;
}

const FRAME_SAMPLES = 320; // 20 ms at 16 kHz

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      {once: true},
    );
  });

/**
 * Delivers samples [from, to) to the session in 20 ms frames; at real-time pace the frame ending at
 * sample k is written at `clockStart + k / rate`.
 */
/**
 * Audio past the energy gate's end of speech that still goes to the recogniser (like a VAD's speech
 * padding): a last word's quiet tail — a nasal, a fricative — sits below the gate. Measured with
 * pocketsphinx, the fox clip cut at the gate read "…sunday and four" in 10 of 10 turns; with 100 or
 * 200 ms more of the clip, "…sunny and warm" in 10 of 10 (hello clip right either way). Delivered
 * after the last voiced sample, so it counts in the dead air at real-time pace: the benchmark's
 * streamed median went from 93 to 191-208 ms (150 ms of post-roll: 261 ms).
 */
export const POST_ROLL_MS = 100;

async function deliver(write: (pcm: Int16Array) => void, pcm: Pcm, from: number, to: number, realtime: boolean, clockStart: number, signal?: AbortSignal): Promise<void> {
  if (!realtime) {
    if (to > from) write(pcm.samples.subarray(from, to));
    return;
  }
  for (let i = from; i < to; i += FRAME_SAMPLES) {
    const end = Math.min(to, i + FRAME_SAMPLES);
    const due = clockStart + (end / pcm.sampleRate) * 1000;
    await sleep(due - performance.now(), signal);
    write(pcm.samples.subarray(i, end));
  }
}

function ms(a: number, b: number): number {
  return Math.max(0, Math.round((b - a) * 10) / 10);
}

/** Runs one turn; throws NO_SPEECH when the recogniser heard nothing (the LLM is never asked). */
export async function runTurn(p: VoicePipeline, input: TurnInput, o: TurnOptions): Promise<TurnOutcome> {
  const mode = o.mode ?? 'streamed';
  const realtime = o.realtime ?? false;
  const session = p.stt.begin();

  // 1. the speech goes to the recogniser as it arrives
  let tSpeechEnd: number;
  let speechMs: number;
  if (input.kind === 'live') {
    const r = await input.run(session.write, o.signal);
    tSpeechEnd = r.lastVoicedAt;
    speechMs = r.speechMs;
  } else {
    const {pcm, endOfSpeech} = input;
    if (endOfSpeech <= 0 || endOfSpeech > pcm.samples.length) throw new JuneError('INTERNAL', `end of speech ${endOfSpeech} is outside the clip`);
    const clockStart = performance.now();
    await deliver(session.write, pcm, 0, endOfSpeech, realtime, clockStart, o.signal);
    tSpeechEnd = performance.now();
    // the seed's way: the whole file, trailing silence included, before recognition ends; streamed,
    // the post-roll (a quiet word ending below the gate), in the dead air
    const upTo = mode === 'sequential' ? pcm.samples.length : Math.min(pcm.samples.length, endOfSpeech + Math.round((POST_ROLL_MS / 1000) * pcm.sampleRate));
    await deliver(session.write, pcm, endOfSpeech, upTo, realtime, clockStart, o.signal);
    speechMs = (endOfSpeech / pcm.sampleRate) * 1000;
  }
  const transcript = (await session.end(o.signal)).trim();
  const tTranscript = performance.now();
  if (!transcript)
    throw new JuneError('NO_SPEECH', `no speech recognised by ${p.stt.name}`, {hint: 'speak closer to the microphone, or try another --stt engine'});

  // 2. the LLM starts at once
  const messages: ChatMessage[] = [{role: 'system', content: p.systemPrompt ?? SPEECH_SYSTEM_PROMPT}, ...(o.history ?? []), {role: 'user', content: transcript}];
  const gen = p.model.chat(messages, {maxTokens: p.maxTokens, temperature: p.temperature ?? 0.7, ...(o.signal ? {signal: o.signal} : {})});

  let tFirstToken: number | null = null;
  let tFirstPiece: number | null = null;
  let tFirstAudio: number | null = null;
  let tLastAudio: number | null = null;
  const pieces: string[] = [];
  const sink = o.sink;
  let replyAudioMs = 0;
  const out = (chunk: AudioChunk): void => {
    if (chunk.pcm.length === 0) return;
    tFirstAudio ??= performance.now();
    replyAudioMs += (chunk.pcm.length / chunk.sampleRate) * 1000;
    sink.write(chunk);
    tLastAudio = performance.now();
  };

  let reply = '';
  if (mode === 'streamed') {
    // TTS runs one piece after another, each streamed straight to the sink: audio goes out in order
    const queue: string[] = [];
    const waker: {wake: (() => void) | null} = {wake: null};
    let llmDone = false;
    const handOver = (raw: string): void => {
      const spoken = cleanForSpeech(raw);
      pieces.push(raw);
      if (!spoken) return;
      tFirstPiece ??= performance.now();
      o.onPiece?.({raw, spoken, index: pieces.length - 1});
      queue.push(spoken);
      waker.wake?.();
    };
    const worker = (async () => {
      for (;;) {
        const next = queue.shift();
        if (next === undefined) {
          if (llmDone) return;
          await new Promise<void>((r) => (waker.wake = r));
          waker.wake = null;
          continue;
        }
        for await (const chunk of p.tts.synthesize(next, o.signal)) out(chunk);
      }
    })();
    worker.catch(() => undefined);
    const splitter = new SpeechSplitter();
    try {
      for await (const ev of gen) {
        if (ev.type !== 'token') continue;
        tFirstToken ??= performance.now();
        reply += ev.text;
        for (const piece of splitter.push(ev.text)) handOver(piece);
      }
      const result = await gen.result;
      if (!reply && result.text) reply = result.text;
      for (const piece of splitter.flush()) handOver(piece);
    } finally {
      llmDone = true;
      waker.wake?.();
    }
    await worker;
  } else {
    for await (const ev of gen) if (ev.type === 'token') tFirstToken ??= performance.now();
    const result = await gen.result;
    reply = result.text;
    const spoken = splitForSpeech(reply).map((raw) => {
      pieces.push(raw);
      return cleanForSpeech(raw);
    });
    tFirstPiece = performance.now();
    // the seed's way: synthesise everything, then play
    const all: AudioChunk[] = [];
    for (const [index, s] of spoken.entries()) {
      if (!s) continue;
      o.onPiece?.({raw: pieces[index]!, spoken: s, index});
      for await (const chunk of p.tts.synthesize(s, o.signal)) all.push(chunk);
    }
    for (const chunk of all) out(chunk);
  }
  const replyTokens = (await gen.result).usage.completionTokens;
  await sink.end();

  if (tFirstAudio === null || tFirstPiece === null)
    throw new JuneError('INFERENCE_FAILED', `the model's reply had nothing to say aloud (${JSON.stringify(reply.slice(0, 80))})`, {hint: 'try again, or another model'});
  const firstToken = tFirstToken ?? tFirstPiece;
  const result: TurnResult = {
    transcript,
    reply: reply.trim(),
    stages: {
      sttMs: ms(tSpeechEnd, tTranscript),
      llmFirstTokenMs: ms(tTranscript, firstToken),
      llmFirstSentenceMs: ms(tTranscript, tFirstPiece),
      ttsFirstAudioMs: ms(tFirstPiece, tFirstAudio),
      totalMs: ms(tSpeechEnd, tLastAudio ?? tFirstAudio),
    },
    deadAirMs: ms(tSpeechEnd, tFirstAudio),
    output: o.output ?? null,
    engines: {stt: p.stt.name, tts: p.tts.name, llm: p.model.info.id},
  };
  return {
    result: TurnResultSchema.parse(result),
    speechMs,
    replyAudioMs,
    pieces,
    replyTokens,
  };
}
