/**
 * Fetches one file to `<dest>.partial` and renames it into place once its size and sha256 check
 * out. A partial left by a dropped connection, a kill or Ctrl-C is resumed with an HTTP Range
 * request (or a read from the same offset, for a mirror directory); network failures are retried
 * with exponential backoff; a sha256 mismatch deletes the partial and fails.
 */
import {createHash, type Hash} from 'node:crypto';
import {createReadStream, createWriteStream} from 'node:fs';
import {open, rename, rm, stat, statfs, truncate} from 'node:fs/promises';
import {dirname} from 'node:path';
import {Transform} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {setTimeout as sleep} from 'node:timers/promises';
import type {Dispatcher} from 'undici';
import {request} from 'undici';
import {JuneError, fromFsError, isAbortError, toJuneError} from '../../errors.js';
import type {Env} from '../../paths.js';
import type {DownloadJob} from './plan.js';
import {formatBytes} from '../../format.js';

/** Receives a file's progress; the UI (src/ui/progress.ts) implements it. */
export interface TransferObserver {
  /** Bytes on disk so far (resumed bytes included) and the total when known. */
  progress(bytes: number, total: number | null): void;
}

export interface FetchOptions {
  dispatcher: Dispatcher;
  env: Env;
  signal?: AbortSignal | undefined;
  observer?: TransferObserver | undefined;
  /** Attempts after the first for network failures and 5xx/429 answers (default 5). */
  retries?: number | undefined;
  /** First backoff delay; doubles each retry, capped at 15 s (default 500 ms). */
  backoffMs?: number | undefined;
}

export interface FetchedFile {
  /** The URL or mirror path the bytes came from. */
  from: string;
  bytes: number;
  sha256: string;
}

const FS_CODES = new Set(['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EBADF', 'EFBIG']);

function isFsError(err: unknown): boolean {
  return FS_CODES.has(String((err as {code?: unknown}).code));
}

function interrupted(signal: AbortSignal | undefined, cause?: unknown): JuneError {
  const reason: unknown = signal?.reason;
  if (reason instanceof JuneError) return reason;
  return new JuneError('INTERRUPTED', 'download interrupted', {
    hint: 'the partial file was kept; rerun the same command to resume',
    cause: cause ?? reason,
  });
}

/** The candidate does not have the file (404, 410, no such file): the next one is tried. */
class NotHere extends Error {
  constructor(readonly where: string) {
    super(`not found: ${where}`);
  }
}

/** Throws DISK_FULL when the filesystem holding dir has less than `need` bytes free. */
export async function checkFreeSpace(dir: string, need: number): Promise<void> {
  if (need <= 0) return;
  let free: number;
  try {
    const s = await statfs(dir);
    free = Number(s.bavail) * Number(s.bsize);
  } catch (err) {
    throw fromFsError(err, dir, 'checking free disk space');
  }
  if (free < need)
    throw new JuneError('DISK_FULL', `not enough free disk space in ${dir}: need ${formatBytes(need)}, ${formatBytes(free)} free`, {
      hint: 'free some disk space or point JUNE_HOME at a larger disk',
    });
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as {code?: string}).code === 'ENOENT') return 0;
    throw fromFsError(err, path, 'reading the partial download');
  }
}

/** sha256 of the first `length` bytes of a file (the whole file when length is omitted). */
export async function hashFile(path: string, length?: number, signal?: AbortSignal): Promise<Hash> {
  const hash = createHash('sha256');
  if (length === 0) return hash;
  const opts = length === undefined ? {} : {start: 0, end: length - 1};
  try {
    await pipeline(
      createReadStream(path, opts),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) hash.update(chunk);
      },
      signal ? {signal} : {},
    );
  } catch (err) {
    if (signal?.aborted) throw interrupted(signal, err);
    throw fromFsError(err, path, 'hashing');
  }
  return hash;
}

export async function sha256OfFile(path: string, signal?: AbortSignal): Promise<string> {
  return (await hashFile(path, undefined, signal)).digest('hex');
}

function isHuggingFace(url: string): boolean {
  const host = new URL(url).hostname.toLowerCase();
  return host === 'huggingface.co' || host.endsWith('.huggingface.co');
}

/** The request headers for a (resumed) download: Range from `offset`, HF_TOKEN only for huggingface.co. */
export function requestHeaders(url: string, offset: number, env: Env): Record<string, string> {
  const headers: Record<string, string> = {'user-agent': 'june (model downloader)', 'accept-encoding': 'identity'};
  if (offset > 0) headers.range = `bytes=${offset}-`;
  const token = env.HF_TOKEN?.trim();
  if (token && isHuggingFace(url)) headers.authorization = `Bearer ${token}`;
  return headers;
}

/** Parses `bytes START-END/TOTAL` (TOTAL may be `*`). */
function parseContentRange(v: string | string[] | undefined): {start: number; total: number | null} | null {
  const s = Array.isArray(v) ? v[0] : v;
  const m = s ? /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(s.trim()) : null;
  if (!m) return null;
  return {start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2])};
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

interface Progress {
  hash: Hash;
  /** Bytes fed to `hash`; equals the partial's size when they are in step. */
  hashed: number;
}

/** Makes the running hash cover exactly the partial's current bytes. */
async function syncHash(state: Progress, partial: string, size: number, signal?: AbortSignal): Promise<void> {
  if (state.hashed === size) return;
  state.hash = await hashFile(partial, size, signal);
  state.hashed = size;
}

function hashingCounter(state: Progress, base: number, observer: TransferObserver | undefined, total: number | null): Transform {
  let seen = base;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      state.hash.update(chunk);
      state.hashed += chunk.length;
      seen += chunk.length;
      observer?.progress(seen, total);
      cb(null, chunk);
    },
  });
}

async function fetchFromFile(src: string, partial: string, job: DownloadJob, state: Progress, opts: FetchOptions): Promise<void> {
  let size: number;
  try {
    const st = await stat(src);
    if (!st.isFile()) throw new NotHere(src);
    size = st.size;
  } catch (err) {
    if (err instanceof NotHere || (err as {code?: string}).code === 'ENOENT' || (err as {code?: string}).code === 'ENOTDIR')
      throw new NotHere(src);
    throw fromFsError(err, src, 'reading the mirror');
  }
  if (job.expected.bytes !== null && size !== job.expected.bytes)
    throw new JuneError('CHECKSUM_MISMATCH', `mirror file ${src} is ${size} bytes, the catalog says ${job.expected.bytes} for ${job.id}`, {
      hint: 'the mirror holds a different file under that name: replace it with the published one',
    });
  let offset = await sizeOf(partial);
  if (offset > size) {
    await truncate(partial, 0);
    offset = 0;
  }
  await syncHash(state, partial, offset, opts.signal);
  await checkFreeSpace(dirname(partial), size - offset);
  opts.observer?.progress(offset, size);
  if (offset === size) return;
  try {
    await pipeline(
      createReadStream(src, {start: offset}),
      hashingCounter(state, offset, opts.observer, size),
      createWriteStream(partial, {flags: offset > 0 ? 'a' : 'w'}),
      opts.signal ? {signal: opts.signal} : {},
    );
  } catch (err) {
    if (opts.signal?.aborted) throw interrupted(opts.signal, err);
    throw fromFsError(err, partial, `copying ${src}`);
  }
}

async function fetchFromHttp(url: string, partial: string, job: DownloadJob, state: Progress, opts: FetchOptions): Promise<void> {
  const retries = opts.retries ?? 5;
  const backoff = opts.backoffMs ?? 500;
  let failures = 0;
  const retry = async (err: unknown): Promise<void> => {
    failures++;
    if (failures > retries) {
      const je = err instanceof JuneError ? err : undefined;
      throw new JuneError(je?.code ?? 'DOWNLOAD_FAILED', `downloading ${job.id} from ${url} failed after ${failures} attempts: ${(err as Error).message}`, {
        hint: je?.hint ?? 'check the network (HTTPS_PROXY/HTTP_PROXY are honoured) and rerun — the partial file is kept and resumed — or fetch from a mirror root (--mirror DIR|URL or JUNE_MIRROR)',
        cause: err,
      });
    }
    const delay = Math.min(15_000, backoff * 2 ** (failures - 1)) * (0.75 + Math.random() * 0.5);
    try {
      await sleep(delay, undefined, opts.signal ? {signal: opts.signal} : {});
    } catch (e) {
      throw interrupted(opts.signal, e);
    }
  };

  for (;;) {
    if (opts.signal?.aborted) throw interrupted(opts.signal);
    let offset = await sizeOf(partial);
    if (job.expected.bytes !== null && offset > job.expected.bytes) {
      await truncate(partial, 0);
      offset = 0;
    }
    await syncHash(state, partial, offset, opts.signal);
    const headers = requestHeaders(url, offset, opts.env);

    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method: 'GET',
        headers,
        dispatcher: opts.dispatcher,
        signal: opts.signal ?? null,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
    } catch (err) {
      if (opts.signal?.aborted || isAbortError(err)) throw interrupted(opts.signal, err);
      await retry(err);
      continue;
    }
    const status = res.statusCode;
    if (status === 404 || status === 410) {
      await res.body.dump();
      throw new NotHere(url);
    }
    if (status === 401 || status === 403) {
      await res.body.dump();
      throw new JuneError('HTTP_ERROR', `${url} answered ${status} (access denied) for ${job.id}`, {
        hint: isHuggingFace(url)
          ? 'gated model: accept its licence on huggingface.co and set HF_TOKEN to a token with access'
          : 'check the URL and your credentials',
      });
    }
    if (status === 416) {
      await res.body.dump();
      const cr = parseContentRange(res.headers['content-range']);
      const total = cr?.total ?? null;
      if (offset > 0 && (total === offset || (total === null && job.expected.bytes === offset))) return; // already complete
      await truncate(partial, 0);
      state.hash = createHash('sha256');
      state.hashed = 0;
      await retry(new Error(`range not satisfiable at byte ${offset}`));
      continue;
    }
    if (status === 429 || status >= 500) {
      await res.body.dump();
      await retry(new JuneError('HTTP_ERROR', `${url} answered ${status}`));
      continue;
    }
    if (status !== 200 && status !== 206) {
      await res.body.dump();
      throw new JuneError('HTTP_ERROR', `${url} answered ${status} for ${job.id}`, {hint: 'check the URL or the mirror'});
    }

    let total: number | null;
    if (status === 206) {
      const cr = parseContentRange(res.headers['content-range']);
      if (!cr || cr.start !== offset) {
        await res.body.dump();
        await truncate(partial, 0);
        await retry(new Error(`server sent a range that does not start at byte ${offset}`));
        continue;
      }
      total = cr.total;
    } else {
      // 200: the whole file (a server that ignores Range starts over)
      if (offset > 0) {
        await truncate(partial, 0);
        offset = 0;
        state.hash = createHash('sha256');
        state.hashed = 0;
      }
      const len = header(res.headers['content-length']);
      total = len !== undefined && /^\d+$/.test(len) ? Number(len) : null;
    }
    if (total !== null && job.expected.bytes !== null && total !== job.expected.bytes) {
      await res.body.dump();
      await rm(partial, {force: true});
      throw new JuneError('CHECKSUM_MISMATCH', `${url} serves ${total} bytes for ${job.id}, the catalog says ${job.expected.bytes}`, {
        hint: 'the source holds a different file under that name; the partial download was deleted',
      });
    }
    try {
      if (total !== null) await checkFreeSpace(dirname(partial), total - offset);
    } catch (err) {
      await res.body.dump().catch(() => undefined);
      throw err;
    }
    opts.observer?.progress(offset, total);
    try {
      await pipeline(
        res.body,
        hashingCounter(state, offset, opts.observer, total),
        createWriteStream(partial, {flags: offset > 0 ? 'a' : 'w'}),
        opts.signal ? {signal: opts.signal} : {},
      );
    } catch (err) {
      if (opts.signal?.aborted) throw interrupted(opts.signal, err);
      if (isFsError(err)) throw fromFsError(err, partial, `writing ${job.id}`);
      await retry(err); // dropped connection: resume from what reached the disk
      continue;
    }
    const now = await sizeOf(partial);
    if (total !== null && now < total) {
      await retry(new Error(`connection closed at byte ${now} of ${total}`));
      continue;
    }
    return;
  }
}

/** Downloads one job's file into place; returns where it came from, its size and sha256. */
export async function fetchFile(job: DownloadJob, opts: FetchOptions): Promise<FetchedFile> {
  const partial = `${job.dest}.partial`;
  const state: Progress = {hash: createHash('sha256'), hashed: 0};
  const misses: string[] = [];
  let from: string | undefined;
  for (const cand of job.candidates) {
    const where = cand.kind === 'file' ? cand.path : cand.url;
    try {
      if (cand.kind === 'file') await fetchFromFile(cand.path, partial, job, state, opts);
      else await fetchFromHttp(cand.url, partial, job, state, opts);
      from = where;
      break;
    } catch (err) {
      if (err instanceof NotHere) {
        misses.push(where);
        continue;
      }
      throw err instanceof JuneError ? err : toJuneError(err);
    }
  }
  if (from === undefined) {
    if (job.viaMirror)
      throw new JuneError('MODEL_NOT_FOUND', `${job.id} is not in the mirror (looked for ${misses.join(', ')})`, {
        hint: 'copy the file into the mirror\'s models/ directory, or run without --mirror to fetch it from its source',
      });
    throw new JuneError('HTTP_ERROR', `${misses.join(', ')} answered 404 (not found) for ${job.id}`, {
      hint: 'check the URL (hf:owner/repo/file must name a file in that repository)',
    });
  }

  const size = await sizeOf(partial);
  await syncHash(state, partial, size, opts.signal);
  const sha256 = state.hash.digest('hex');
  if (job.expected.bytes !== null && size !== job.expected.bytes) {
    await rm(partial, {force: true});
    throw new JuneError('CHECKSUM_MISMATCH', `${job.id}: got ${size} bytes from ${from}, expected ${job.expected.bytes}; the partial download was deleted`, {
      hint: 'rerun to download it again; if it persists the source file changed',
    });
  }
  if (job.expected.sha256 !== null && sha256 !== job.expected.sha256) {
    await rm(partial, {force: true});
    throw new JuneError(
      'CHECKSUM_MISMATCH',
      `${job.id}: sha256 ${sha256.slice(0, 12)}… of the file from ${from} does not match the published ${job.expected.sha256.slice(0, 12)}…; the partial download was deleted`,
      {hint: 'rerun to download it again; if it persists the source holds a different file'},
    );
  }
  try {
    const fh = await open(partial, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(partial, job.dest);
  } catch (err) {
    throw fromFsError(err, job.dest, `moving ${job.id} into place`);
  }
  return {from, bytes: size, sha256};
}
