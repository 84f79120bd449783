/**
 * Choosing and opening the speech engines by name, and finding which are installed (for
 * `june verify` and `--stt`/`--tts` errors). A missing engine names the Debian package or the
 * catalog model to install.
 */
import {z} from 'zod';
import {JuneError} from '../errors.js';
import type {Env} from '../paths.js';
import {POCKETSPHINX_MODEL_DIR, PocketsphinxEngine, type SttEngine, WhisperCliEngine, WhisperEngine} from './stt.js';
import {EspeakEngine, FliteEngine, KokoroEngine, PiperEngine, type TtsEngine} from './tts.js';
import {existsSync} from 'node:fs';
import {findExecutable} from './tools.js';

export const STT_ENGINES = ['pocketsphinx', 'whisper', 'whisper-cli'] as const;
export const TTS_ENGINES = ['espeak-ng', 'flite', 'piper', 'kokoro'] as const;
export const DEFAULT_STT = 'pocketsphinx';
export const DEFAULT_TTS = 'espeak-ng';

export const SttChoiceSchema = z.enum(STT_ENGINES);
export const TtsChoiceSchema = z.enum(TTS_ENGINES);

export interface SttOpenOptions {
  /** whisper / whisper-cli: a catalog id (default: the catalog's stt default) or a ggml file. */
  model?: string;
  /** Finds a model file on disk (the runtime's locateModel); throws MODEL_NOT_FOUND naming the download. */
  locate?: (ref: string) => Promise<{path: string}>;
  defaultModel?: string;
  threads?: number;
  env?: Env;
}

export async function openStt(name: string, o: SttOpenOptions = {}): Promise<SttEngine> {
  const parsed = SttChoiceSchema.safeParse(name);
  if (!parsed.success) throw new JuneError('USAGE', `--stt ${name}: unknown engine`, {hint: `use one of ${STT_ENGINES.join(', ')}`});
  if (parsed.data === 'pocketsphinx') return PocketsphinxEngine.open(o.env);
  const ref = o.model ?? o.defaultModel;
  if (!ref || !o.locate) throw new JuneError('USAGE', `--stt ${name} needs a whisper.cpp ggml model`, {hint: 'pass --stt-model ID|FILE (june download-models whisper-base.en)'});
  const {path} = await o.locate(ref);
  if (parsed.data === 'whisper') return WhisperEngine.open(path, o.threads ? {threads: o.threads} : {});
  return WhisperCliEngine.open(path, {...(o.threads ? {threads: o.threads} : {}), ...(o.env ? {env: o.env} : {})});
}

export interface TtsOpenOptions {
  voice?: string;
  /** Piper voice (.onnx) or Kokoro model. */
  model?: string;
  /** Kokoro's voices file. */
  voices?: string;
  env?: Env;
}

export async function openTts(name: string, o: TtsOpenOptions = {}): Promise<TtsEngine> {
  const parsed = TtsChoiceSchema.safeParse(name);
  if (!parsed.success) throw new JuneError('USAGE', `--tts ${name}: unknown engine`, {hint: `use one of ${TTS_ENGINES.join(', ')}`});
  const common = {...(o.voice ? {voice: o.voice} : {}), ...(o.env ? {env: o.env} : {})};
  switch (parsed.data) {
    case 'espeak-ng':
      return EspeakEngine.open(common);
    case 'flite':
      return FliteEngine.open(common);
    case 'piper':
      return PiperEngine.open({...common, ...(o.model ? {model: o.model} : {})});
    case 'kokoro':
      return KokoroEngine.open({...common, ...(o.model ? {model: o.model} : {}), ...(o.voices ? {voices: o.voices} : {})});
  }
}

export const SpeechEngineStatusSchema = z.object({
  kind: z.enum(['stt', 'tts', 'audio']),
  name: z.string(),
  available: z.boolean(),
  detail: z.string(),
  /** What to install when it is missing. */
  install: z.string().nullable(),
});
export type SpeechEngineStatus = z.infer<typeof SpeechEngineStatusSchema>;

function program(kind: SpeechEngineStatus['kind'], name: string, bin: string, install: string, env: Env, extra?: () => string | null): SpeechEngineStatus {
  const path = findExecutable(bin, env);
  if (!path) return {kind, name, available: false, detail: `${bin} not on PATH`, install};
  const missing = extra?.() ?? null;
  return missing ? {kind, name, available: false, detail: missing, install} : {kind, name, available: true, detail: path, install: null};
}

/**
 * Which speech engines this machine has: each program on PATH, pocketsphinx's model, whether
 * @napi-rs/whisper loads and whether a whisper model is downloaded (`whisperModel` resolves it).
 */
export async function detectSpeechEngines(o: {env?: Env; whisperModel?: () => Promise<string>} = {}): Promise<SpeechEngineStatus[]> {
  const env = o.env ?? process.env;
  const out: SpeechEngineStatus[] = [
    program('stt', 'pocketsphinx', 'pocketsphinx_continuous', 'apt-get install pocketsphinx pocketsphinx-en-us', env, () =>
      existsSync(POCKETSPHINX_MODEL_DIR) ? null : `model ${POCKETSPHINX_MODEL_DIR} missing`,
    ),
  ];
  let modelPath: string | null = null;
  let modelProblem = 'no whisper model';
  if (o.whisperModel)
    try {
      modelPath = await o.whisperModel();
    } catch (err) {
      modelProblem = err instanceof JuneError ? err.message : String(err);
    }
  try {
    await import('@napi-rs/whisper');
    out.push(
      modelPath
        ? {kind: 'stt', name: 'whisper', available: true, detail: `@napi-rs/whisper, ${modelPath}`, install: null}
        : {kind: 'stt', name: 'whisper', available: false, detail: `@napi-rs/whisper loads; ${modelProblem}`, install: 'june download-models whisper-base.en'},
    );
  } catch (err) {
    out.push({kind: 'stt', name: 'whisper', available: false, detail: `@napi-rs/whisper does not load (${(err as Error).message.split('\n')[0]})`, install: 'npm ci (its prebuilt binary for this platform)'});
  }
  out.push(program('stt', 'whisper-cli', 'whisper-cli', 'build whisper.cpp (cmake) and put whisper-cli on PATH', env));
  out.push(program('tts', 'espeak-ng', 'espeak-ng', 'apt-get install espeak-ng', env));
  out.push(program('tts', 'flite', 'flite', 'apt-get install flite', env));
  out.push(program('tts', 'piper', 'piper', 'the piper release binary from github.com/rhasspy/piper, plus a voice (.onnx)', env));
  out.push(program('tts', 'kokoro', 'kokoro-tts', 'pip install kokoro-tts, plus kokoro-v1.0.onnx and voices-v1.0.bin', env));
  const ffmpeg = findExecutable('ffmpeg', env);
  const opusdec = findExecutable('opusdec', env);
  out.push({kind: 'audio', name: 'ogg', available: Boolean(ffmpeg ?? opusdec), detail: ffmpeg ? `ffmpeg ${ffmpeg}` : opusdec ? `opusdec ${opusdec}` : 'neither ffmpeg nor opusdec', install: ffmpeg || opusdec ? null : 'apt-get install ffmpeg'});
  const rec = findExecutable('arecord', env) ?? findExecutable('rec', env);
  out.push({kind: 'audio', name: 'mic', available: Boolean(rec), detail: rec ?? 'neither arecord nor rec (sox)', install: rec ? null : 'apt-get install alsa-utils (or sox)'});
  const player = findExecutable('aplay', env) ?? findExecutable('play', env);
  out.push({kind: 'audio', name: 'playback', available: Boolean(player), detail: player ?? 'neither aplay nor play (sox)', install: player ? null : 'apt-get install alsa-utils (or sox)'});
  return out;
}

/** The one-line verdict for `june verify`: ready when one STT and one TTS engine are available. */
export function summariseSpeech(engines: readonly SpeechEngineStatus[]): {ok: boolean; detail: string; hint: string | null} {
  const have = (k: SpeechEngineStatus['kind']) => engines.filter((e) => e.kind === k && e.available).map((e) => e.name);
  const stt = have('stt');
  const tts = have('tts');
  const audio = have('audio');
  const ok = stt.length > 0 && tts.length > 0;
  const detail = `stt: ${stt.join(', ') || 'none'}; tts: ${tts.join(', ') || 'none'}; audio: ${audio.join(', ') || 'none'}`;
  if (ok) return {ok, detail, hint: null};
  const missing = engines.filter((e) => (e.kind === 'stt' && stt.length === 0) || (e.kind === 'tts' && tts.length === 0)).filter((e) => e.name === 'pocketsphinx' || e.name === 'espeak-ng');
  return {ok, detail, hint: missing.map((e) => e.install).filter(Boolean).join('; ') || 'apt-get install pocketsphinx pocketsphinx-en-us espeak-ng'};
}

/**
 * `june verify`'s speech check: the engines found, ready when one recogniser and one voice are.
 * whisper counts as found when the catalog's default stt model is downloaded.
 */
export async function speechCheck(o: {required: boolean; env?: Env}): Promise<{name: 'speech'; ok: boolean; required: boolean; detail: string; hint: string | null}> {
  const env = o.env ?? process.env;
  const engines = await detectSpeechEngines({
    env,
    whisperModel: async () => {
      const {defaultFor, loadCatalog} = await import('../runtime/catalog.js');
      const {locateModel} = await import('../runtime/model-files.js');
      return (await locateModel(defaultFor(loadCatalog(), 'stt').id, {env})).path;
    },
  });
  const s = summariseSpeech(engines);
  return {name: 'speech', ok: s.ok, required: o.required, detail: s.detail, hint: s.ok ? null : s.hint};
}
