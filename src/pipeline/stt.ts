/**
 * Speech-to-text engines behind one small interface, each loaded once and kept between turns.
 *
 * - pocketsphinx (Debian's 0.8+5prealpha, model pocketsphinx-en-us): ONE long-running
 *   `pocketsphinx_continuous` fed raw 16 kHz s16 PCM through a real pipe. It prints a line per
 *   utterance once it has been fed trailing silence, so each clip is followed by 1 s of silence.
 *   Its load (≈ 1.7 s) is paid once per process, never per turn. PCM is written as it arrives, so
 *   recognition runs while the user speaks.
 * - whisper.cpp through @napi-rs/whisper (a ggml model from the catalog: `june download-models
 *   whisper-base.en`), the audio context shrunk to the clip.
 * - an external `whisper-cli` (whisper.cpp's own program) with the same ggml model, when installed.
 */
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {availableParallelism, tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {JuneError} from '../errors.js';
import {STT_RATE, encodeWav} from './audio.js';
import {requireExecutable} from './tools.js';

export type SttName = 'pocketsphinx' | 'whisper' | 'whisper-cli';

/** One utterance being recognised: PCM goes in as it arrives; end() gives the final transcript. */
export interface SttSession {
  write(pcm: Int16Array): void;
  /** No more speech: the final transcript (may be "" when nothing was recognised). */
  end(signal?: AbortSignal): Promise<string>;
}

export interface SttEngine {
  readonly name: SttName;
  /** What the engine runs (program or model), for the turn record. */
  readonly detail: string;
  /** noResultMs: how long a streaming engine waits for a result after the end (pocketsphinx). */
  begin(options?: {noResultMs?: number}): SttSession;
  /**
   * Resolves once the engine's model has loaded, for engines whose recognition adapts across
   * utterances and so must not be warmed with a voice that is not the user's (pocketsphinx: live
   * cepstral mean normalisation). Engines without it are warmed by hearing one sentence.
   */
  ready?(): Promise<void>;
  close(): Promise<void>;
}

/** Where Debian's pocketsphinx-en-us puts the acoustic model. */
export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us/en-us';
const TRAILING_SILENCE_SAMPLES = STT_RATE; // 1 s
/**
 * Decoder settings for a turn's latency: an utterance ends after 0.25 s of silence (default 0.5 s)
 * and the second, flat-lexicon pass is skipped. Measured here, the same clips at real-time pace,
 * interleaved, two runs of 10: median final-transcript latency 617–680 ms against 1407–1674 ms with
 * the defaults; the transcripts of both shared clips unchanged, jfk.wav no worse.
 */
export const POCKETSPHINX_TUNING = ['-fwdflat', 'no', '-vad_postspeech', '25'];
/**
 * With no line after the trailing silence, nothing was recognised. The decoder is done once it sits
 * blocked on its input with no CPU used for IDLE_POLLS polls (Linux /proc); elsewhere, or as a cap,
 * after a fixed wait. (The decoder and `cat` both blocked: all the audio has been read and decoded.)
 */
const POCKETSPHINX_NO_RESULT_MS = 60_000;
const IDLE_POLL_MS = 100;
const IDLE_POLLS = 5;
/** Where /proc cannot tell that the decoder finished loading: about twice its measured load (≈ 1.7 s). */
const LOAD_WAIT_MS = 3500;
/** ready() gives up waiting after this long (turn 1 then pays what is left of the load). */
const READY_CAP_MS = 30_000;

/**
 * Whether the shell's pipeline (`cat` and the decoder) is idle: every process blocked (state S) and
 * their CPU ticks summed, from /proc; null where there is no /proc (not Linux).
 */
function pipelineState(shellPid: number | undefined): {allSleeping: boolean; ticks: number} | null {
  if (shellPid === undefined) return null;
  try {
    const kids = readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    if (kids.length === 0) return null;
    let ticks = 0;
    let allSleeping = true;
    for (const k of kids) {
      const stat = readFileSync(`/proc/${k}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] !== 'S') allSleeping = false;
      ticks += Number(f[11]) + Number(f[12]);
    }
    return {allSleeping, ticks};
  } catch {
    return null;
  }
}

/** Each call polls once: how many polls in a row the pipeline has sat idle; null where /proc cannot tell. */
function idlePolls(shellPid: number | undefined): () => number | null {
  let last = pipelineState(shellPid);
  let idle = 0;
  return () => {
    const now = pipelineState(shellPid);
    const before = last;
    last = now;
    if (!now || !before) return null;
    idle = now.allSleeping && now.ticks === before.ticks ? idle + 1 : 0;
    return idle;
  };
}

export class PocketsphinxEngine implements SttEngine {
  readonly name = 'pocketsphinx' as const;
  readonly detail: string;
  private readonly child: ChildProcessWithoutNullStreams;
  private lines: string[] = [];
  private waiter: ((line: string) => void) | null = null;
  private exited: Error | null = null;
  private onExit: ((err: Error) => void) | null = null;

  private constructor(bin: string) {
    this.detail = `${bin} (long-running, fed through a pipe)`;
    // `cat |` makes the decoder's stdin a real pipe; exec keeps one process to signal
    this.child = spawn('sh', ['-c', `cat | exec '${bin.replace(/'/g, "'\\''")}' -infile /dev/stdin -logfn /dev/null ${POCKETSPHINX_TUNING.join(' ')}`], {stdio: ['pipe', 'pipe', 'pipe']});
    let stderr = '';
    this.child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    this.child.stdin.on('error', () => undefined);
    createInterface({input: this.child.stdout}).on('line', (line) => {
      const text = line.trim();
      if (this.waiter) this.waiter(text);
      else this.lines.push(text);
    });
    this.child.on('exit', (code, sig) => {
      this.exited = new JuneError('ENGINE_FAILED', `pocketsphinx_continuous exited (${sig ?? `code ${code}`})${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`, {
        hint: 'check it by hand: pocketsphinx_continuous -infile FILE.wav',
      });
      this.onExit?.(this.exited);
    });
  }

  /** Starts the decoder (its model loads in the background while the first audio arrives). */
  static open(env: Readonly<Record<string, string | undefined>> = process.env): PocketsphinxEngine {
    const bin = requireExecutable('pocketsphinx_continuous', 'the pocketsphinx speech recogniser', env);
    if (!existsSync(POCKETSPHINX_MODEL_DIR))
      throw new JuneError('ENGINE_MISSING', `pocketsphinx's English model is not installed (${POCKETSPHINX_MODEL_DIR} missing)`, {hint: 'apt-get install pocketsphinx-en-us'});
    return new PocketsphinxEngine(bin);
  }

  /**
   * The decoder has loaded its model once it sits blocked on its (empty) input with no CPU used for
   * IDLE_POLLS polls. Never fed a warm-up sentence: its live CMN would start turn 1 from that voice's
   * means — measured, a synthesised "Hello, can you hear me?" before the fox clip made turn 1 read
   * "…the lazy to all the web or to this money and warm"; with ready() turn 1 reads as turn 2 does.
   */
  async ready(): Promise<void> {
    const t0 = performance.now();
    const idle = idlePolls(this.child.pid);
    for (;;) {
      if (this.exited) throw this.exited;
      const waited = performance.now() - t0;
      if (waited >= READY_CAP_MS) return;
      await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
      const n = idle();
      if (n === null ? waited >= LOAD_WAIT_MS : n >= IDLE_POLLS) return;
    }
  }

  begin(options: {noResultMs?: number} = {}): SttSession {
    if (this.exited) throw this.exited;
    this.lines = []; // a late line from an earlier turn is not this turn's
    const write = (pcm: Int16Array): void => {
      if (this.exited) return;
      this.child.stdin.write(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    };
    return {
      write,
      end: (signal) => {
        if (this.exited) return Promise.reject(this.exited);
        const before = this.lines.filter(Boolean);
        this.lines = [];
        const silence = new Int16Array(TRAILING_SILENCE_SAMPLES);
        let flushed = false;
        this.child.stdin.write(Buffer.from(silence.buffer), () => (flushed = true));
        return new Promise<string>((resolve, reject) => {
          const done = (text: string | null, err?: Error) => {
            clearTimeout(timer);
            clearInterval(poll);
            this.waiter = null;
            this.onExit = null;
            signal?.removeEventListener('abort', onAbort);
            if (err) reject(err);
            else resolve([...before, ...(text ? [text] : [])].join(' ').trim());
          };
          const onAbort = () => done(null, signal?.reason instanceof Error ? signal.reason : new JuneError('INTERRUPTED', 'interrupted'));
          const timer = setTimeout(() => done(null), options.noResultMs ?? POCKETSPHINX_NO_RESULT_MS);
          // idle: blocked reading (state S) with the same CPU ticks, several polls in a row
          const idle = idlePolls(this.child.pid);
          const poll = setInterval(() => {
            if (!flushed) return;
            if ((idle() ?? 0) >= IDLE_POLLS) done(null);
          }, IDLE_POLL_MS);
          this.waiter = (line) => done(line);
          this.onExit = (err) => done(null, err);
          signal?.addEventListener('abort', onAbort, {once: true});
        });
      },
    };
  }

  async close(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin.end();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    this.child.kill('SIGTERM');
    await gone;
    clearTimeout(t);
  }
}

/** Collects the clip; the engines below recognise it whole. */
function bufferingSession(recognise: (pcm: Int16Array, signal?: AbortSignal) => Promise<string>): SttSession {
  const parts: Int16Array[] = [];
  let n = 0;
  return {
    write(pcm) {
      parts.push(pcm);
      n += pcm.length;
    },
    end(signal) {
      const all = new Int16Array(n);
      let off = 0;
      for (const p of parts) {
        all.set(p, off);
        off += p.length;
      }
      return recognise(all, signal);
    },
  };
}

/** Whisper's annotations for non-speech ("[BLANK_AUDIO]", "(music)") are not words. */
export function cleanWhisperText(text: string): string {
  return text
    .replace(/\[[^\]]*\]|\([^)]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

type WhisperModule = typeof import('@napi-rs/whisper');

export class WhisperEngine implements SttEngine {
  readonly name = 'whisper' as const;
  readonly detail: string;

  private constructor(
    private readonly mod: WhisperModule,
    private readonly ctx: InstanceType<WhisperModule['Whisper']>,
    readonly modelPath: string,
    private readonly threads: number,
  ) {
    this.detail = `@napi-rs/whisper, ${modelPath}`;
  }

  /** Loads a ggml whisper model once. */
  static async open(modelPath: string, options: {threads?: number} = {}): Promise<WhisperEngine> {
    const mod = await import('@napi-rs/whisper');
    let ctx: InstanceType<WhisperModule['Whisper']>;
    try {
      ctx = new mod.Whisper(modelPath, {useGpu: false});
    } catch (err) {
      throw new JuneError('MODEL_LOAD_FAILED', `whisper could not load ${modelPath} (${(err as Error).message})`, {
        hint: 'pass a whisper.cpp ggml model (june download-models whisper-base.en)',
        cause: err,
      });
    }
    return new WhisperEngine(mod, ctx, modelPath, options.threads ?? Math.max(1, Math.min(4, availableParallelism())));
  }

  begin(): SttSession {
    return bufferingSession(async (pcm) => {
      const f = new Float32Array(pcm.length);
      for (let i = 0; i < pcm.length; i++) f[i] = pcm[i]! / 32768;
      const p = new this.mod.WhisperFullParams(this.mod.WhisperSamplingStrategy.Greedy);
      p.language = 'en';
      p.nThreads = this.threads;
      p.noTimestamps = true;
      p.singleSegment = true;
      p.printProgress = false;
      p.printRealtime = false;
      p.printTimestamps = false;
      p.suppressBlank = true;
      // 1500 audio-context frames are 30 s: shrink the encoder to the clip (+ a margin)
      const seconds = pcm.length / STT_RATE;
      p.audioCtx = Math.min(this.ctx.modelNAudioCtx || 1500, Math.ceil(seconds * 50) + 64);
      try {
        return cleanWhisperText(this.ctx.full(p, f));
      } catch (err) {
        throw new JuneError('ENGINE_FAILED', `whisper failed on the clip (${(err as Error).message})`, {cause: err});
      }
    });
  }

  async close(): Promise<void> {
    // the native context is freed with the object
  }
}

export class WhisperCliEngine implements SttEngine {
  readonly name = 'whisper-cli' as const;
  readonly detail: string;

  private constructor(
    private readonly bin: string,
    readonly modelPath: string,
    private readonly threads: number,
  ) {
    this.detail = `${bin}, ${modelPath}`;
  }

  static open(modelPath: string, options: {threads?: number; env?: Readonly<Record<string, string | undefined>>} = {}): WhisperCliEngine {
    const bin = requireExecutable('whisper-cli', 'the whisper-cli speech recogniser', options.env);
    return new WhisperCliEngine(bin, modelPath, options.threads ?? Math.max(1, Math.min(4, availableParallelism())));
  }

  begin(): SttSession {
    return bufferingSession(async (pcm, signal) => {
      const dir = await mkdtemp(join(tmpdir(), 'june-stt-'));
      try {
        const wav = join(dir, 'clip.wav');
        await writeFile(wav, encodeWav({samples: pcm, sampleRate: STT_RATE}));
        const {stdout} = await run(this.bin, ['-m', this.modelPath, '-f', wav, '-l', 'en', '-t', String(this.threads), '-nt', '-np'], signal);
        return cleanWhisperText(stdout);
      } finally {
        await rm(dir, {recursive: true, force: true});
      }
    });
  }

  async close(): Promise<void> {}
}

function run(cmd: string, args: string[], signal?: AbortSignal): Promise<{stdout: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? {signal} : {})});
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.on('error', (e) => reject(new JuneError('ENGINE_FAILED', `${cmd} could not run: ${e.message}`, {cause: e})));
    child.on('close', (code) => {
      if (code === 0) resolve({stdout: out});
      else reject(new JuneError('ENGINE_FAILED', `${cmd} exited with code ${code}: ${err.trim().split('\n').pop() ?? ''}`, {hint: 'run it by hand to see why'}));
    });
  });
}
