/**
 * A voice session: the engines opened once (STT, TTS and the LLM at the same time) and kept for
 * every turn; clips loaded and gated before any model runs; each turn appended, fsynced, to the
 * turns record under june's home.
 */
import {JsonlAppender} from '../bench/run-store.js';
import {toJuneError} from '../errors.js';
import type {Env} from '../paths.js';
import type {ModelHost} from '../runtime/model-host.js';
import {type AudioInfo, type DecodeOptions, STT_RATE, readAudioFile, resample} from './audio.js';
import {MemorySink} from './sink.js';
import {openStt, openTts} from './engines.js';
import type {SttEngine} from './stt.js';
import type {TtsEngine} from './tts.js';
import {type ClipInput, SPEECH_SYSTEM_PROMPT, type TurnRecord, TurnRecordSchema, type VoicePipeline} from './turn.js';
import {type VadOptions, type VadResult, requireSpeech} from './vad.js';

/**
 * Threads for the LLM in a voice turn on a CPU: one math core fewer than `june bench` uses, left to
 * the recogniser and the voice, which run while the model generates. On an oversubscribed CPU,
 * llama.cpp's threads wait on each other at every token (measured on the 2-core CI machine: 32
 * tokens of the tiny model in 0.1–0.25 s with 1 thread, 1.8–5.5 s with 2 while pocketsphinx and
 * espeak-ng ran).
 */
export function voiceLlmThreads(cpuMathCores: number): number {
  return Math.max(1, Math.floor(cpuMathCores) - 1);
}

export interface LoadedClip {
  input: ClipInput;
  info: AudioInfo;
  vad: VadResult;
}

/** Reads, converts and gates a clip: bad or silent audio fails here, before any engine or model. */
export async function loadClip(path: string, options: DecodeOptions & {vad?: VadOptions} = {}): Promise<LoadedClip> {
  const {pcm, info} = await readAudioFile(path, options);
  const vad = requireSpeech(pcm.samples, pcm.sampleRate, path, options.vad);
  return {input: {kind: 'clip', pcm, endOfSpeech: vad.endOfSpeech}, info, vad};
}

export interface OpenVoiceOptions {
  stt: string;
  sttModel?: string;
  defaultSttModel?: string;
  locate?: (ref: string) => Promise<{path: string}>;
  tts: string;
  ttsModel?: string;
  ttsVoices?: string;
  voice?: string;
  /** Opens the LLM (the command passes openModel with its flags). */
  openLlm: () => Promise<ModelHost>;
  maxTokens: number;
  temperature?: number;
  systemPrompt?: string;
  threads?: number;
  env?: Env;
  /**
   * Warm every engine before turn 1 (default true): the recogniser finishes loading its model
   * (pocketsphinx waits for it; whisper hears one synthesised sentence), and the system prompt goes
   * through the model once (turn 1 finds it in the KV cache).
   */
  warmUp?: boolean;
}

export interface OpenedPipeline extends VoicePipeline {
  /** How long opening took (ms), per engine. */
  openMs: {stt: number; tts: number; llm: number};
  close(): Promise<void>;
}

async function timed<T>(f: () => Promise<T>): Promise<{value: T; ms: number}> {
  const t0 = performance.now();
  const value = await f();
  return {value, ms: performance.now() - t0};
}

/** Opens the three engines at once; if one fails, the others are closed and its error thrown. */
export async function openVoicePipeline(o: OpenVoiceOptions): Promise<OpenedPipeline> {
  const env = o.env ?? process.env;
  const results = await Promise.allSettled([
    timed<SttEngine>(() =>
      openStt(o.stt, {
        env,
        ...(o.sttModel ? {model: o.sttModel} : {}),
        ...(o.defaultSttModel ? {defaultModel: o.defaultSttModel} : {}),
        ...(o.locate ? {locate: o.locate} : {}),
        ...(o.threads ? {threads: o.threads} : {}),
      }),
    ),
    timed<TtsEngine>(() => openTts(o.tts, {env, ...(o.voice ? {voice: o.voice} : {}), ...(o.ttsModel ? {model: o.ttsModel} : {}), ...(o.ttsVoices ? {voices: o.ttsVoices} : {})})),
    timed<ModelHost>(o.openLlm),
  ]);
  const [stt, tts, llm] = results;
  if (stt.status === 'rejected' || tts.status === 'rejected' || llm.status === 'rejected') {
    await Promise.allSettled([
      stt.status === 'fulfilled' ? stt.value.value.close() : null,
      tts.status === 'fulfilled' ? tts.value.value.close() : null,
      llm.status === 'fulfilled' ? llm.value.value.close() : null,
    ]);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    throw toJuneError(failed.reason);
  }
  const model = llm.value.value;
  const systemPrompt = o.systemPrompt ?? SPEECH_SYSTEM_PROMPT;
  if (o.warmUp !== false) {
    try {
      await Promise.all([warmStt(stt.value.value, tts.value.value), model.chat([{role: 'system', content: systemPrompt}, {role: 'user', content: 'hello'}], {maxTokens: 1, temperature: 0}).result]);
    } catch (err) {
      await Promise.allSettled([stt.value.value.close(), tts.value.value.close(), model.close()]);
      throw toJuneError(err);
    }
  }
  return {
    stt: stt.value.value,
    tts: tts.value.value,
    model,
    systemPrompt,
    maxTokens: o.maxTokens,
    ...(o.temperature !== undefined ? {temperature: o.temperature} : {}),
    openMs: {stt: Math.round(stt.value.ms), tts: Math.round(tts.value.ms), llm: Math.round(llm.value.ms)},
    async close() {
      await Promise.allSettled([stt.value.value.close(), tts.value.value.close(), model.close()]);
    },
  };
}

/** The recogniser's model loaded: its own ready(), else one synthesised sentence through it. */
async function warmStt(stt: SttEngine, tts: TtsEngine): Promise<void> {
  if (stt.ready) return stt.ready();
  const sink = new MemorySink();
  for await (const chunk of tts.synthesize('Hello, can you hear me?')) sink.write(chunk);
  const pcm = sink.pcm();
  const f = new Float32Array(pcm.samples.length);
  for (let i = 0; i < f.length; i++) f[i] = pcm.samples[i]! / 32768;
  const session = stt.begin({noResultMs: 4000});
  session.write(pcm.sampleRate === STT_RATE ? pcm.samples : resample(f, pcm.sampleRate, STT_RATE));
  await session.end();
}

/** The turns record: one fsynced JSONL line per turn. */
export class TurnLog {
  private constructor(private readonly out: JsonlAppender) {}
  static async open(path: string): Promise<TurnLog> {
    return new TurnLog(await JsonlAppender.open(path));
  }
  get path(): string {
    return this.out.path;
  }
  append(record: TurnRecord): Promise<void> {
    return this.out.append(TurnRecordSchema.parse(record));
  }
  close(): Promise<void> {
    return this.out.close();
  }
}
