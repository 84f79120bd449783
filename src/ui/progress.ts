/**
 * Download progress on stderr: one cli-progress bar per file with bytes, speed and ETA. When
 * progress is off (--json, no TTY, CI) every method is a no-op and nothing is written.
 */
import cliProgress from 'cli-progress';
import {formatBytes} from './format.js';
import type {DownloadJob, DownloadReporter, DownloadedFile, TransferObserver} from '../runtime/download/index.js';
import type {JuneError} from '../errors.js';

export interface FileProgress extends DownloadReporter {
  /** Stops drawing (call once, in a finally). */
  stop(): void;
}

const noop: FileProgress = {
  start: () => ({progress: () => undefined}),
  finish: () => undefined,
  stop: () => undefined,
};

interface Speed {
  t: number;
  bytes: number;
}

/** A bar per file on `stream` (stderr), or a no-op reporter when `enabled` is false. */
export function createFileProgress(enabled: boolean, stream: NodeJS.WritableStream = process.stderr): FileProgress {
  if (!enabled) return noop;
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: ' {name} |{bar}| {percentage}% {done}/{size} {speed} ETA {eta_formatted}',
      barsize: 20,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 50,
      fps: 5,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const width = 24;
  const label = (id: string): string => (id.length > width ? `${id.slice(0, width - 1)}…` : id.padEnd(width));
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    start(job: DownloadJob): TransferObserver {
      const total = job.expected.bytes ?? 0;
      const bar = multi.create(total, 0, {name: label(job.id), done: formatBytes(0), size: total ? formatBytes(total) : '?', speed: ''});
      bars.set(job.file, bar);
      const window: Speed[] = [];
      return {
        progress(bytes: number, size: number | null): void {
          const now = Date.now();
          window.push({t: now, bytes});
          while (window.length > 2 && now - window[0]!.t > 5000) window.shift();
          const first = window[0]!;
          const rate = now > first.t ? ((bytes - first.bytes) * 1000) / (now - first.t) : 0;
          if (size !== null) bar.setTotal(size);
          bar.update(bytes, {
            done: formatBytes(bytes),
            size: size !== null ? formatBytes(size) : '?',
            speed: rate > 0 ? `${formatBytes(rate)}/s` : '',
          });
        },
      };
    },
    finish(job: DownloadJob, result: DownloadedFile | JuneError): void {
      const bar = bars.get(job.file);
      if (!bar) return;
      if ('sha256' in result && typeof result.sha256 === 'string') {
        const r = result as DownloadedFile;
        bar.setTotal(r.bytes);
        bar.update(r.bytes, {done: formatBytes(r.bytes), size: formatBytes(r.bytes), speed: r.skipped ? 'present' : 'done'});
      } else bar.update({speed: 'failed'});
      bar.stop();
    },
    stop(): void {
      multi.stop();
    },
  };
}

/** A single counting bar (problems scored, samples generated…); a no-op when disabled. */
export interface CountProgress {
  /** Draws `done` of `total`; `payload` fills the `{name}` fields of the format. */
  update(done: number, total: number, payload?: Record<string, string>): void;
  /** Prints a line above the bar without tearing it. */
  note(line: string): void;
  stop(): void;
}

export function createCountProgress(
  enabled: boolean,
  format: string,
  stream: NodeJS.WritableStream = process.stderr,
): CountProgress {
  if (!enabled)
    return {
      update: () => undefined,
      note: (line) => void stream.write(`${line}\n`),
      stop: () => undefined,
    };
  let bar: cliProgress.SingleBar | null = null;
  return {
    update(done, total, payload = {}) {
      if (total <= 0) return;
      if (!bar) {
        bar = new cliProgress.SingleBar({stream, format, hideCursor: true, fps: 5, clearOnComplete: false}, cliProgress.Presets.shades_classic);
        bar.start(total, done, payload);
        return;
      }
      bar.setTotal(total);
      bar.update(done, payload);
    },
    note(line) {
      if (bar) stream.write('\n');
      stream.write(`${line}\n`);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}
