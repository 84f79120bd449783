/**
 * Where reply audio goes, in order: a file (.wav, or .ogg through ffmpeg/opusenc), a player
 * (aplay, or sox's play) or memory (benchmarks). The moment the first chunk is handed to a sink
 * is the end of the dead air.
 */
import {type ChildProcessByStdio, spawn} from 'node:child_process';
import type {Readable, Writable} from 'node:stream';
import {mkdir, open, rename, rm} from 'node:fs/promises';
import {dirname, extname} from 'node:path';
import {JuneError, fromFsError} from '../errors.js';
import type {Env} from '../paths.js';
import {type Pcm, encodeOgg, encodeWav, resample} from './audio.js';
import type {AudioChunk} from './tts.js';
import {findExecutable} from './tools.js';

export interface AudioSink {
  write(chunk: AudioChunk): void;
  /** Everything written; finishes the file or waits for the player. */
  end(): Promise<void>;
}

/** Collects the reply's PCM (one sample rate: the first chunk's; others are resampled to it). */
export class MemorySink implements AudioSink {
  private parts: Int16Array[] = [];
  private n = 0;
  sampleRate: number | null = null;

  write(chunk: AudioChunk): void {
    this.sampleRate ??= chunk.sampleRate;
    let pcm = chunk.pcm;
    if (chunk.sampleRate !== this.sampleRate) {
      const f = new Float32Array(pcm.length);
      for (let i = 0; i < pcm.length; i++) f[i] = pcm[i]! / 32768;
      pcm = resample(f, chunk.sampleRate, this.sampleRate);
    }
    this.parts.push(pcm);
    this.n += pcm.length;
  }

  async end(): Promise<void> {}

  pcm(): Pcm {
    const all = new Int16Array(this.n);
    let off = 0;
    for (const p of this.parts) {
      all.set(p, off);
      off += p.length;
    }
    return {samples: all, sampleRate: this.sampleRate ?? 16_000};
  }

  get durationMs(): number {
    return this.sampleRate ? (this.n / this.sampleRate) * 1000 : 0;
  }
}

export type OutputFormat = 'wav' | 'ogg';

/** The format an output path asks for, or USAGE. */
export function outputFormat(path: string): OutputFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.wav') return 'wav';
  if (ext === '.ogg' || ext === '.opus') return 'ogg';
  throw new JuneError('USAGE', `--output ${path}: june writes .wav or .ogg`, {hint: 'name the file reply.wav or reply.ogg'});
}

/** Writes the reply to a file when it ends (temp file, fsync, rename). */
export class FileSink extends MemorySink {
  readonly format: OutputFormat;
  constructor(
    readonly path: string,
    private readonly env: Env = process.env,
  ) {
    super();
    this.format = outputFormat(path);
  }

  override async end(): Promise<void> {
    const pcm = this.pcm();
    const bytes = this.format === 'wav' ? encodeWav(pcm) : await encodeOgg(pcm, this.env);
    const tmp = `${this.path}.partial-${process.pid}`;
    try {
      await mkdir(dirname(this.path), {recursive: true});
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(bytes);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
    } catch (err) {
      await rm(tmp, {force: true});
      throw fromFsError(err, this.path, 'writing the reply audio');
    }
  }
}

/** Plays the reply as it arrives through aplay or sox's play (started at the first chunk). */
export class PlayerSink implements AudioSink {
  private child: ChildProcessByStdio<Writable, null, Readable> | null = null;
  private rate: number | null = null;
  private failed: JuneError | null = null;
  private closed: Promise<void> = Promise.resolve();
  private readonly bin: string;

  constructor(env: Env = process.env) {
    const aplay = findExecutable('aplay', env);
    const play = aplay ? null : findExecutable('play', env);
    if (!aplay && !play)
      throw new JuneError('ENGINE_MISSING', 'playing the reply needs aplay or play, and neither is installed', {hint: 'apt-get install alsa-utils (or sox), or pass --output reply.wav'});
    this.bin = (aplay ?? play)!;
  }

  write(chunk: AudioChunk): void {
    if (!this.child) {
      this.rate = chunk.sampleRate;
      const r = String(chunk.sampleRate);
      const args = this.bin.endsWith('aplay') ? ['-q', '-t', 'raw', '-f', 'S16_LE', '-r', r, '-c', '1'] : ['-q', '-t', 'raw', '-r', r, '-e', 'signed', '-b', '16', '-c', '1', '-'];
      const child = spawn(this.bin, args, {stdio: ['pipe', 'ignore', 'pipe']});
      this.child = child;
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-1000)));
      child.stdin.on('error', () => undefined);
      this.closed = new Promise<void>((resolve) =>
        child.on('close', (code) => {
          if (code !== 0) this.failed = new JuneError('ENGINE_FAILED', `${this.bin} could not play the reply (code ${code}): ${stderr.trim().split('\n').pop() ?? ''}`, {hint: 'check the sound device, or pass --output reply.wav'});
          resolve();
        }),
      );
    }
    let pcm = chunk.pcm;
    if (chunk.sampleRate !== this.rate) {
      const f = new Float32Array(pcm.length);
      for (let i = 0; i < pcm.length; i++) f[i] = pcm[i]! / 32768;
      pcm = resample(f, chunk.sampleRate, this.rate!);
    }
    this.child!.stdin.write(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  }

  async end(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.stdin.end();
    await this.closed;
    if (this.failed) throw this.failed;
  }
}

/** Several sinks at once (a file and the speakers). */
export class TeeSink implements AudioSink {
  constructor(private readonly sinks: readonly AudioSink[]) {}
  write(chunk: AudioChunk): void {
    for (const s of this.sinks) s.write(chunk);
  }
  async end(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.end()));
  }
}
