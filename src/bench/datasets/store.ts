/**
 * Dataset files in june's home (`datasets/`): fetched on first use from the mirror root's
 * `datasets/` (a directory or an http(s) URL) when one is set, else from the pinned upstream URL,
 * and always checked against the manifest's sha256 before use.
 */
import {createHash} from 'node:crypto';
import {createReadStream, createWriteStream} from 'node:fs';
import {mkdir, rename, rm, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {Readable, Transform} from 'node:stream';
import {pipeline} from 'node:stream/promises';
import {JuneError, fromFsError, isAbortError} from '../../errors.js';
import {type DatasetEntry, datasetManifest} from './manifest.js';

export interface DatasetStoreOptions {
  /** resolvePaths().datasetsDir */
  datasetsDir: string;
  /** A mirror root (resolveMirror()): a directory or an http(s) URL holding datasets/. */
  mirror?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Bytes done / total while a file is fetched. */
  onProgress?: ((entry: DatasetEntry, done: number, total: number) => void) | undefined;
}

export interface DatasetFile {
  entry: DatasetEntry;
  path: string;
  sha256: string;
  /** Where it came from this time: 'cache' when it was already in june's home. */
  source: 'cache' | string;
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

/** The path a dataset file has in june's home (whether or not it is there yet). */
export function datasetPath(entry: DatasetEntry, datasetsDir: string): string {
  return join(datasetsDir, entry.file);
}

/** True when the file in june's home is present with the pinned size and sha256. */
export async function isDatasetCached(entry: DatasetEntry, datasetsDir: string): Promise<boolean> {
  const path = datasetPath(entry, datasetsDir);
  try {
    const s = await stat(path);
    if (s.size !== entry.bytes) return false;
  } catch {
    return false;
  }
  return (await sha256File(path)) === entry.sha256;
}

function sourceOf(entry: DatasetEntry, mirror: string | undefined): string {
  if (!mirror) return entry.url;
  return /^https?:\/\//i.test(mirror) ? `${mirror}/datasets/${entry.file}` : join(mirror, 'datasets', entry.file);
}

async function openSource(src: string, entry: DatasetEntry, signal: AbortSignal | undefined): Promise<Readable> {
  if (!/^https?:\/\//i.test(src)) {
    try {
      await stat(src);
    } catch (err) {
      const je = fromFsError(err, src, `fetching dataset ${entry.id}`);
      throw new JuneError(je.code === 'FILE_NOT_FOUND' ? 'DOWNLOAD_FAILED' : je.code, je.message, {
        hint: 'the mirror root must hold datasets/' + entry.file + ' (or unset --mirror/JUNE_MIRROR to fetch from upstream)',
      });
    }
    return createReadStream(src);
  }
  let res: Response;
  try {
    res = await fetch(src, {signal: signal ?? null, redirect: 'follow'});
  } catch (err) {
    if (isAbortError(err)) throw err;
    throw new JuneError('DOWNLOAD_FAILED', `fetching dataset ${entry.id} from ${src} failed: ${(err as Error).message}`, {
      hint: 'check the network, or use a mirror root holding datasets/ (--mirror DIR|URL or JUNE_MIRROR)',
    });
  }
  if (!res.ok || !res.body)
    throw new JuneError('HTTP_ERROR', `fetching dataset ${entry.id} from ${src}: HTTP ${res.status}`, {
      hint: 'check the URL or use a mirror root (--mirror DIR|URL or JUNE_MIRROR)',
    });
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
}

/** Makes sure one dataset file is in june's home with the pinned sha256, fetching it if needed. */
export async function ensureDatasetFile(entry: DatasetEntry, opts: DatasetStoreOptions): Promise<DatasetFile> {
  const path = datasetPath(entry, opts.datasetsDir);
  if (await isDatasetCached(entry, opts.datasetsDir)) return {entry, path, sha256: entry.sha256, source: 'cache'};
  const src = sourceOf(entry, opts.mirror);
  try {
    await mkdir(opts.datasetsDir, {recursive: true});
  } catch (err) {
    throw fromFsError(err, opts.datasetsDir, 'creating the datasets directory');
  }
  const tmp = `${path}.partial-${process.pid}`;
  const hash = createHash('sha256');
  let done = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      done += chunk.length;
      opts.onProgress?.(entry, done, entry.bytes);
      cb(null, chunk);
    },
  });
  try {
    const input = await openSource(src, entry, opts.signal);
    await pipeline(input, meter, createWriteStream(tmp), {signal: opts.signal});
  } catch (err) {
    await rm(tmp, {force: true});
    if (err instanceof JuneError || isAbortError(err)) throw err;
    throw fromFsError(err, tmp, `fetching dataset ${entry.id}`);
  }
  const sha = hash.digest('hex');
  if (sha !== entry.sha256 || done !== entry.bytes) {
    await rm(tmp, {force: true});
    throw new JuneError(
      'CHECKSUM_MISMATCH',
      `dataset ${entry.id} from ${src} has sha256 ${sha} (${done} bytes), expected ${entry.sha256} (${entry.bytes} bytes)`,
      {hint: 'the source does not hold the pinned release: use the upstream URL or a mirror with the right file'},
    );
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, {force: true});
    throw fromFsError(err, path, `storing dataset ${entry.id}`);
  }
  return {entry, path, sha256: sha, source: src};
}

export interface DatasetStatus {
  id: DatasetEntry['id'];
  name: string;
  file: string;
  version: string;
  tasks: number;
  bytes: number;
  sha256: string;
  url: string;
  license: string;
  /** Present in june's home with the pinned sha256. */
  present: boolean;
  path: string;
}

export async function listDatasets(datasetsDir: string): Promise<DatasetStatus[]> {
  const out: DatasetStatus[] = [];
  for (const e of datasetManifest()) {
    out.push({
      id: e.id,
      name: e.name,
      file: e.file,
      version: e.version,
      tasks: e.tasks,
      bytes: e.bytes,
      sha256: e.sha256,
      url: e.url,
      license: e.license,
      present: await isDatasetCached(e, datasetsDir),
      path: datasetPath(e, datasetsDir),
    });
  }
  return out;
}
