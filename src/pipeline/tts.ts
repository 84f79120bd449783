/**
 * Text-to-speech engines behind one small interface: synthesize(text) streams mono s16 PCM chunks
 * as the engine produces them.
 *
 * - espeak-ng (default): `espeak-ng --stdout` streams a WAV whose header carries placeholder lengths
 *   (WavStreamParser ignores them); first audio ≈ 35 ms, so a process per piece costs nothing worth
 *   keeping warm.
 * - flite: a process per piece, writing the whole piece to a WAV file at once.
 * - Piper (external, the rhasspy/piper release binary, a voice model the user supplies): ONE
 *   long-running process reading a line per piece on stdin and printing the WAV it wrote for it.
 * - Kokoro (external, the `kokoro-tts` program, model and voices files the user supplies): a
 *   process per piece.
 */
import {type ChildProcess, type ChildProcessWithoutNullStreams, spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {JuneError} from '../errors.js';
import {WavStreamParser, decodeAudio} from './audio.js';
import {requireExecutable} from './tools.js';

export type TtsName = 'espeak-ng' | 'flite' | 'piper' | 'kokoro';

export interface AudioChunk {
  /** Mono signed 16-bit samples. */
  pcm: Int16Array;
  sampleRate: number;
}

export interface TtsEngine {
  readonly name: TtsName;
  readonly detail: string;
  synthesize(text: string, signal?: AbortSignal): AsyncIterable<AudioChunk>;
  close(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

function toInt16(buf: Buffer): Int16Array {
  // copy: the stream's buffers are pooled and may not be 2-byte aligned
  const out = new Int16Array(buf.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = buf.readInt16LE(i * 2);
  return out;
}

/** Yields the PCM of the WAV a started process writes to stdout, once it has been given its text. */
async function* streamWavFromChild(child: ChildProcess, stdinText: string | null, what: string, signal?: AbortSignal): AsyncGenerator<AudioChunk> {
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const closed = new Promise<number | null>((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.on('error', (e) => reject(new JuneError('ENGINE_FAILED', `${what} could not run: ${e.message}`, {cause: e})));
    child.on('close', (code) => resolve(code));
  });
  closed.catch(() => undefined);
  const onAbort = () => child.kill('SIGTERM');
  signal?.addEventListener('abort', onAbort, {once: true});
  try {
    if (stdinText !== null) {
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(stdinText);
    }
    const parser = new WavStreamParser();
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
      const pcm = parser.push(chunk);
      if (pcm.length > 0 && parser.sampleRate) yield {pcm: toInt16(pcm), sampleRate: parser.sampleRate};
    }
    const code = await closed;
    if (signal?.aborted) throw signal.reason;
    if (code !== 0)
      throw new JuneError('ENGINE_FAILED', `${what} exited with code ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`, {hint: `run ${what} by hand to see why`});
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}

/** Runs a program to its end; a non-zero exit is ENGINE_FAILED with its last stderr line. */
function runToEnd(cmd: string, args: string[], what: string, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'ignore', 'pipe'], ...(signal ? {signal} : {})});
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', (e) => reject(new JuneError('ENGINE_FAILED', `${what} could not run: ${e.message}`, {cause: e})));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new JuneError('ENGINE_FAILED', `${what} exited with code ${code}: ${stderr.trim().split('\n').pop() ?? ''}`, {hint: `run ${cmd} by hand to see why`})),
    );
  });
}

/**
 * espeak-ng keeps one process started ahead, waiting for its text on stdin: it has loaded its voice
 * data before the piece exists, so its first audio comes in a few ms instead of 10–150 ms.
 */
export class EspeakEngine implements TtsEngine {
  readonly name = 'espeak-ng' as const;
  readonly detail: string;
  private standby: ChildProcess | null = null;
  private closed = false;
  private constructor(
    private readonly bin: string,
    private readonly voice: string | undefined,
  ) {
    this.detail = `${bin} --stdout${voice ? ` -v ${voice}` : ''} (one process started ahead)`;
    this.standby = this.start();
  }
  static open(options: {voice?: string; env?: Env} = {}): EspeakEngine {
    return new EspeakEngine(requireExecutable('espeak-ng', 'the espeak-ng voice', options.env), options.voice);
  }
  private start(): ChildProcess {
    const child = spawn(this.bin, ['--stdout', ...(this.voice ? ['-v', this.voice] : [])], {stdio: ['pipe', 'pipe', 'pipe']});
    child.on('error', () => undefined); // reported when it is used
    return child;
  }
  synthesize(text: string, signal?: AbortSignal): AsyncIterable<AudioChunk> {
    // a standby that died (killed, out of memory) is replaced, not used
    const child = this.standby && this.standby.exitCode === null && !this.standby.killed ? this.standby : this.start();
    this.standby = this.closed ? null : this.start();
    // the text goes on stdin, so a piece starting with "-" is never read as an option
    return streamWavFromChild(child, text, 'espeak-ng', signal);
  }
  async close(): Promise<void> {
    this.closed = true;
    this.standby?.kill('SIGTERM');
    this.standby = null;
  }
}

export class FliteEngine implements TtsEngine {
  readonly name = 'flite' as const;
  readonly detail: string;
  private constructor(
    private readonly bin: string,
    private readonly voice: string | undefined,
  ) {
    this.detail = `${bin}${voice ? ` -voice ${voice}` : ''}`;
  }
  static open(options: {voice?: string; env?: Env} = {}): FliteEngine {
    return new FliteEngine(requireExecutable('flite', 'the flite voice', options.env), options.voice);
  }
  synthesize(text: string, signal?: AbortSignal): AsyncIterable<AudioChunk> {
    return this.run(text, signal);
  }
  /** flite writes the whole piece at once, to a file (it cannot open a socket as /dev/stdout). */
  private async *run(text: string, signal?: AbortSignal): AsyncGenerator<AudioChunk> {
    const dir = await mkdtemp(join(tmpdir(), 'june-flite-'));
    try {
      const out = join(dir, 'piece.wav');
      await runToEnd(this.bin, [...(this.voice ? ['-voice', this.voice] : []), '-t', text, '-o', out], 'flite', signal);
      const parser = new WavStreamParser();
      const pcm = parser.push(await readFile(out));
      if (pcm.length > 0 && parser.sampleRate) yield {pcm: toInt16(pcm), sampleRate: parser.sampleRate};
    } finally {
      await rm(dir, {recursive: true, force: true});
    }
  }
  async close(): Promise<void> {}
}

/** A model file the user supplies (Piper voice, Kokoro model): present, or one line saying so. */
function requireModelFile(path: string | undefined, engine: string, flag: string, hint: string): string {
  if (!path)
    throw new JuneError('USAGE', `--tts ${engine} needs a model: pass ${flag} FILE`, {hint});
  if (!existsSync(path)) throw new JuneError('MODEL_NOT_FOUND', `${engine} model ${path} does not exist`, {hint});
  return path;
}

export class PiperEngine implements TtsEngine {
  readonly name = 'piper' as const;
  readonly detail: string;
  private readonly child: ChildProcessWithoutNullStreams;
  private chain: Promise<unknown> = Promise.resolve();
  private pending: Array<(path: string) => void> = [];
  private exited: JuneError | null = null;

  private constructor(
    bin: string,
    model: string,
    private readonly dir: string,
  ) {
    this.detail = `${bin} --model ${model} (long-running)`;
    this.child = spawn(bin, ['--model', model, '--output_dir', dir, '--quiet'], {stdio: ['pipe', 'pipe', 'pipe']});
    let stderr = '';
    this.child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    this.child.stdin.on('error', () => undefined);
    createInterface({input: this.child.stdout}).on('line', (line) => this.pending.shift()?.(line.trim()));
    this.child.on('exit', (code) => {
      this.exited = new JuneError('ENGINE_FAILED', `piper exited (code ${code})${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`, {hint: 'run piper by hand with the same --model'});
      for (const p of this.pending.splice(0)) p('');
    });
  }

  static async open(options: {model?: string; env?: Env}): Promise<PiperEngine> {
    const model = requireModelFile(options.model, 'piper', '--tts-model', 'download a Piper voice (.onnx with its .onnx.json) and pass --tts-model FILE.onnx');
    const bin = requireExecutable('piper', 'the Piper voice', options.env);
    return new PiperEngine(bin, model, await mkdtemp(join(tmpdir(), 'june-piper-')));
  }

  synthesize(text: string): AsyncIterable<AudioChunk> {
    const line = text.replace(/\s+/g, ' ').trim() + '\n';
    const job = this.chain.then(
      () =>
        new Promise<string>((resolve) => {
          if (this.exited) return resolve('');
          this.pending.push(resolve);
          this.child.stdin.write(line);
        }),
    );
    this.chain = job.catch(() => undefined);
    return this.read(job);
  }
  private async *read(job: Promise<string>): AsyncGenerator<AudioChunk> {
    const path = await job;
    if (!path || this.exited) throw this.exited ?? new JuneError('ENGINE_FAILED', 'piper wrote no audio for a piece');
    const {pcm} = await decodeAudio(await readFile(path), path, {maxSeconds: 3600});
    await rm(path, {force: true});
    yield {pcm: pcm.samples, sampleRate: pcm.sampleRate};
  }

  async close(): Promise<void> {
    if (!this.exited) {
      this.child.stdin.end();
      this.child.kill('SIGTERM');
    }
    await rm(this.dir, {recursive: true, force: true});
  }
}

export class KokoroEngine implements TtsEngine {
  readonly name = 'kokoro' as const;
  readonly detail: string;
  private constructor(
    private readonly bin: string,
    private readonly model: string,
    private readonly voices: string,
    private readonly voice: string | undefined,
  ) {
    this.detail = `${bin} --model ${model}`;
  }
  static open(options: {model?: string; voices?: string; voice?: string; env?: Env}): KokoroEngine {
    const hint = 'download kokoro-v1.0.onnx and voices-v1.0.bin, then pass --tts-model kokoro-v1.0.onnx --tts-voices voices-v1.0.bin';
    const model = requireModelFile(options.model, 'kokoro', '--tts-model', hint);
    const voices = requireModelFile(options.voices, 'kokoro', '--tts-voices', hint);
    return new KokoroEngine(requireExecutable('kokoro-tts', 'the Kokoro voice', options.env), model, voices, options.voice);
  }
  synthesize(text: string, signal?: AbortSignal): AsyncIterable<AudioChunk> {
    return this.run(text, signal);
  }
  private async *run(text: string, signal?: AbortSignal): AsyncGenerator<AudioChunk> {
    const dir = await mkdtemp(join(tmpdir(), 'june-kokoro-'));
    try {
      await writeFile(join(dir, 'in.txt'), text);
      const out = join(dir, 'out.wav');
      const args = [join(dir, 'in.txt'), out, '--model', this.model, '--voices', this.voices, ...(this.voice ? ['--voice', this.voice] : [])];
      await runToEnd(this.bin, args, 'kokoro-tts', signal);
      const {pcm} = await decodeAudio(await readFile(out), out, {maxSeconds: 3600});
      yield {pcm: pcm.samples, sampleRate: pcm.sampleRate};
    } finally {
      await rm(dir, {recursive: true, force: true});
    }
  }
  async close(): Promise<void> {}
}
