/**
 * Audio in and out. Everything the speech engines hear is 16 kHz mono signed 16-bit PCM; a WAV at
 * any rate, channel count and bit depth (8/16/24/32-bit integer, 32/64-bit float, A-law, µ-law,
 * IMA ADPCM) is converted in process with `wavefile`; OGG/Opus voice notes (and other containers)
 * go through ffmpeg, or opusdec for Opus, when installed. Output: WAV, or OGG/Opus through ffmpeg
 * or opusenc.
 */
import {spawn} from 'node:child_process';
import {readFile, stat} from 'node:fs/promises';
import wavefile from 'wavefile';
import {z} from 'zod';
import {JuneError, fromFsError} from '../errors.js';
import {findExecutable} from './tools.js';

export const STT_RATE = 16_000;

/** Mono signed 16-bit PCM. */
export interface Pcm {
  samples: Int16Array;
  sampleRate: number;
}

export const AudioInfoSchema = z.object({
  /** What the file was: wav, ogg (…), and how it was decoded. */
  container: z.string(),
  decoder: z.enum(['wavefile', 'ffmpeg', 'opusdec']),
  sampleRate: z.number().int().positive(),
  channels: z.number().int().positive(),
  bitDepth: z.string(),
  durationMs: z.number().nonnegative(),
});
export type AudioInfo = z.infer<typeof AudioInfoSchema>;

export interface DecodeOptions {
  /** Longer input is refused (AUDIO_TOO_LONG). Default 120 s. */
  maxSeconds?: number;
  env?: Readonly<Record<string, string | undefined>>;
}

export const DEFAULT_MAX_SECONDS = 120;

/** Audio formats inside a WAV that wavefile decodes (format tag → how). */
const WAV_FORMATS: Readonly<Record<number, string>> = {1: 'pcm', 3: 'float', 6: 'a-law', 7: 'mu-law', 17: 'ima-adpcm', 65534: 'extensible'};

function sniff(bytes: Uint8Array): 'wav' | 'ogg' | 'flac' | 'mp3' | 'webm' | 'mp4' | 'unknown' {
  const ascii = (a: number, b: number) => Buffer.from(bytes.subarray(a, b)).toString('latin1');
  if ((ascii(0, 4) === 'RIFF' || ascii(0, 4) === 'RIFX' || ascii(0, 4) === 'RF64') && ascii(8, 12) === 'WAVE') return 'wav';
  if (ascii(0, 4) === 'OggS') return 'ogg';
  if (ascii(0, 4) === 'fLaC') return 'flac';
  if (ascii(0, 3) === 'ID3' || (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0)) return 'mp3';
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return 'webm';
  if (ascii(4, 8) === 'ftyp') return 'mp4';
  return 'unknown';
}

/** Reads an audio file and returns it as 16 kHz mono s16, with what it was. */
export async function readAudioFile(path: string, options: DecodeOptions = {}): Promise<{pcm: Pcm; info: AudioInfo}> {
  let bytes: Buffer;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), {code: 'EISDIR'});
    bytes = await readFile(path);
  } catch (err) {
    throw fromFsError(err, path, 'reading the audio');
  }
  return decodeAudio(bytes, path, options);
}

/** Decodes audio bytes (a WAV in process; OGG and other containers through ffmpeg/opusdec). */
export async function decodeAudio(bytes: Uint8Array, name: string, options: DecodeOptions = {}): Promise<{pcm: Pcm; info: AudioInfo}> {
  if (bytes.length === 0)
    throw new JuneError('AUDIO_INVALID', `${name} is empty (0 bytes)`, {hint: 'record or choose a file with speech in it'});
  const kind = sniff(bytes);
  const decoded = kind === 'wav' ? decodeWav(bytes, name) : await decodeExternal(bytes, name, kind, options.env ?? process.env);
  const maxSeconds = options.maxSeconds ?? DEFAULT_MAX_SECONDS;
  if (decoded.info.durationMs > maxSeconds * 1000)
    throw new JuneError('AUDIO_TOO_LONG', `${name} is ${(decoded.info.durationMs / 1000).toFixed(1)} s long; a turn takes at most ${maxSeconds} s`, {
      hint: 'cut it to one question (sox IN OUT trim 0 30), or raise --max-seconds',
    });
  if (decoded.pcm.samples.length === 0)
    throw new JuneError('AUDIO_INVALID', `${name} holds no audio samples`, {hint: 'record or choose a file with speech in it'});
  return decoded;
}

type WaveFileT = InstanceType<typeof wavefile.WaveFile>;
interface Fmt {
  audioFormat: number;
  numChannels: number;
  sampleRate: number;
  bitsPerSample: number;
}

function decodeWav(bytes: Uint8Array, name: string): {pcm: Pcm; info: AudioInfo} {
  const wav: WaveFileT = new wavefile.WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (err) {
    throw new JuneError('AUDIO_INVALID', `${name} is not a readable WAV file (${(err as Error).message})`, {
      hint: 'the file is truncated or damaged: record it again, or convert it (sox IN -r 16000 -c 1 -b 16 OUT.wav)',
      cause: err,
    });
  }
  const fmt = wav.fmt as Fmt;
  const how = WAV_FORMATS[fmt.audioFormat];
  if (!how)
    throw new JuneError('AUDIO_UNSUPPORTED', `${name} is a WAV with an unsupported encoding (format tag 0x${fmt.audioFormat.toString(16)})`, {
      hint: 'june reads PCM, float, A-law, µ-law and IMA ADPCM WAV; convert it: sox IN -e signed -b 16 OUT.wav',
    });
  const channels = fmt.numChannels;
  const rate = fmt.sampleRate;
  const bitDepth = wav.bitDepth;
  if (!channels || !rate)
    throw new JuneError('AUDIO_INVALID', `${name}: the WAV header says ${channels} channels at ${rate} Hz`, {hint: 'the file is damaged: record it again'});
  try {
    if (bitDepth === '8a') wav.fromALaw('32f');
    else if (bitDepth === '8m') wav.fromMuLaw('32f');
    else if (bitDepth === '4') wav.fromIMAADPCM('32f');
    else if (bitDepth !== '32f') wav.toBitDepth('32f');
  } catch (err) {
    throw new JuneError('AUDIO_UNSUPPORTED', `${name}: cannot decode ${bitDepth}-bit ${how} samples (${(err as Error).message})`, {
      hint: 'convert it: sox IN -e signed -b 16 OUT.wav',
      cause: err,
    });
  }
  const raw = wav.getSamples(false, Float32Array) as unknown as Float32Array | Float32Array[];
  const planes = Array.isArray(raw) ? raw : [raw];
  const mono = mixDown(planes);
  const samples = rate === STT_RATE ? floatToS16(mono) : resample(mono, rate, STT_RATE);
  return {
    pcm: {samples, sampleRate: STT_RATE},
    info: {container: 'wav', decoder: 'wavefile', sampleRate: rate, channels, bitDepth: `${bitDepth} (${how})`, durationMs: (mono.length / rate) * 1000},
  };
}

/** The average of the channels. */
export function mixDown(planes: readonly Float32Array[]): Float32Array {
  if (planes.length === 1) return planes[0]!;
  const n = Math.min(...planes.map((p) => p.length));
  const out = new Float32Array(n);
  for (const p of planes) for (let i = 0; i < n; i++) out[i]! += p[i]! / planes.length;
  return out;
}

export function floatToS16(x: Float32Array): Int16Array {
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Math.max(-1, Math.min(1, x[i]!));
    out[i] = Math.round(v < 0 ? v * 0x8000 : v * 0x7fff);
  }
  return out;
}

/** Sample-rate conversion through wavefile (cubic interpolation with an anti-aliasing low-pass filter). */
export function resample(mono: Float32Array, from: number, to: number): Int16Array {
  const w: WaveFileT = new wavefile.WaveFile();
  w.fromScratch(1, from, '32f', mono);
  w.toSampleRate(to, {method: 'cubic', LPF: true});
  return floatToS16(w.getSamples(false, Float32Array) as unknown as Float32Array);
}

/** Decodes with ffmpeg (any container) or opusdec (Ogg Opus) to 16 kHz mono s16. */
async function decodeExternal(bytes: Uint8Array, name: string, kind: ReturnType<typeof sniff>, env: Readonly<Record<string, string | undefined>>): Promise<{pcm: Pcm; info: AudioInfo}> {
  if (kind === 'unknown')
    throw new JuneError('AUDIO_INVALID', `${name} is not an audio file june can read (neither WAV nor OGG/Opus, FLAC, MP3, WebM or MP4)`, {
      hint: 'pass a WAV or an OGG/Opus voice note',
    });
  const ffmpeg = findExecutable('ffmpeg', env);
  const opusdec = kind === 'ogg' ? findExecutable('opusdec', env) : null;
  if (!ffmpeg && !opusdec)
    throw new JuneError('AUDIO_UNSUPPORTED', `${name} is ${kind === 'ogg' ? 'OGG (a voice note)' : kind.toUpperCase()}, which needs ffmpeg${kind === 'ogg' ? ' or opusdec' : ''} to decode, and neither is installed`, {
      hint: kind === 'ogg' ? 'apt-get install ffmpeg (or opus-tools), or convert it to WAV' : 'apt-get install ffmpeg, or convert it to WAV',
    });
  if (ffmpeg) {
    const out = await pipeThrough(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', 'pipe:0', '-vn', '-f', 's16le', '-acodec', 'pcm_s16le', '-ac', '1', '-ar', String(STT_RATE), 'pipe:1'], bytes, name, 'ffmpeg');
    const samples = new Int16Array(out.buffer, out.byteOffset, Math.floor(out.length / 2)).slice();
    return {pcm: {samples, sampleRate: STT_RATE}, info: {container: kind, decoder: 'ffmpeg', sampleRate: STT_RATE, channels: 1, bitDepth: 'decoded', durationMs: (samples.length / STT_RATE) * 1000}};
  }
  const wavBytes = await pipeThrough(opusdec!, ['--quiet', '--rate', String(STT_RATE), '--force-wav', '-', '-'], bytes, name, 'opusdec');
  const r = decodeWav(wavBytes, name);
  return {pcm: r.pcm, info: {...r.info, container: kind, decoder: 'opusdec'}};
}

function pipeThrough(cmd: string, args: string[], input: Uint8Array, name: string, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['pipe', 'pipe', 'pipe']});
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.on('error', () => undefined); // a decoder that gives up early closes its stdin
    child.on('error', (e) => reject(new JuneError('ENGINE_FAILED', `${what} could not start: ${e.message}`, {cause: e})));
    child.on('close', (code) => {
      const data = Buffer.concat(out);
      if (code === 0 && data.length > 0) return resolve(data);
      const line = err.trim().split('\n').pop() ?? '';
      reject(new JuneError('AUDIO_INVALID', `${name} could not be decoded by ${what}${line ? ` (${line})` : ''}`, {hint: 'the file is damaged or not audio: record it again, or convert it to WAV'}));
    });
    child.stdin.end(input);
  });
}

/** A mono s16 WAV file's bytes. */
export function encodeWav(pcm: Pcm): Uint8Array {
  const w: WaveFileT = new wavefile.WaveFile();
  w.fromScratch(1, pcm.sampleRate, '16', pcm.samples);
  return w.toBuffer();
}

/** OGG/Opus bytes, through ffmpeg or opusenc. */
export async function encodeOgg(pcm: Pcm, env: Readonly<Record<string, string | undefined>> = process.env): Promise<Buffer> {
  const raw = Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, pcm.samples.byteLength);
  const ffmpeg = findExecutable('ffmpeg', env);
  if (ffmpeg)
    return pipeThrough(ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 's16le', '-ar', String(pcm.sampleRate), '-ac', '1', '-i', 'pipe:0', '-c:a', 'libopus', '-f', 'ogg', 'pipe:1'], raw, 'the reply', 'ffmpeg');
  const opusenc = findExecutable('opusenc', env);
  if (opusenc) return pipeThrough(opusenc, ['--quiet', '--raw', '--raw-rate', String(pcm.sampleRate), '--raw-chan', '1', '-', '-'], raw, 'the reply', 'opusenc');
  throw new JuneError('ENGINE_MISSING', 'writing OGG/Opus needs ffmpeg or opusenc, and neither is installed', {hint: 'apt-get install ffmpeg (or opus-tools), or write a .wav'});
}

/**
 * Reads the WAV that espeak-ng and flite stream to stdout: the header first (espeak-ng's streamed
 * header carries placeholder lengths, so they are ignored), then raw s16 PCM, returned as it comes.
 */
export class WavStreamParser {
  private head: Buffer = Buffer.alloc(0);
  private carry: Buffer | null = null;
  sampleRate: number | null = null;
  private dataStarted = false;

  /** Feeds bytes; returns the PCM they complete (whole samples only). */
  push(chunk: Buffer): Buffer {
    let data: Buffer;
    if (!this.dataStarted) {
      this.head = Buffer.concat([this.head, chunk]);
      const start = this.parseHeader();
      if (start < 0) return Buffer.alloc(0);
      this.dataStarted = true;
      data = this.head.subarray(start);
      this.head = Buffer.alloc(0);
    } else data = chunk;
    if (this.carry) {
      data = Buffer.concat([this.carry, data]);
      this.carry = null;
    }
    if (data.length % 2 === 1) {
      this.carry = data.subarray(data.length - 1);
      data = data.subarray(0, data.length - 1);
    }
    return data;
  }

  /** The offset of the first PCM byte, or -1 while the header is incomplete. */
  private parseHeader(): number {
    const h = this.head;
    if (h.length < 12) return -1;
    if (h.toString('latin1', 0, 4) !== 'RIFF' || h.toString('latin1', 8, 12) !== 'WAVE')
      throw new JuneError('ENGINE_FAILED', 'the TTS engine did not write a WAV stream', {hint: 'check the engine with its own command line'});
    let off = 12;
    while (off + 8 <= h.length) {
      const id = h.toString('latin1', off, off + 4);
      const size = h.readUInt32LE(off + 4);
      if (id === 'data') return off + 8;
      if (off + 8 + size > h.length) return -1;
      if (id === 'fmt ') {
        const format = h.readUInt16LE(off + 8);
        const channels = h.readUInt16LE(off + 10);
        const bits = h.readUInt16LE(off + 22);
        if (format !== 1 || channels !== 1 || bits !== 16)
          throw new JuneError('ENGINE_FAILED', `the TTS engine wrote ${channels}-channel ${bits}-bit audio (format ${format}); june expects mono 16-bit PCM`, {hint: 'check the engine with its own command line'});
        this.sampleRate = h.readUInt32LE(off + 12);
      }
      off += 8 + size + (size % 2);
    }
    return -1;
  }
}

/** Root-mean-square level of s16 samples, in dB relative to full scale (−Infinity for digital silence). */
export function rmsDbfs(samples: Int16Array, from = 0, to = samples.length): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! * samples[i]!;
  const n = Math.max(1, to - from);
  const rms = Math.sqrt(sum / n) / 32768;
  return rms === 0 ? -Infinity : 20 * Math.log10(rms);
}
