/**
 * Dataset files in june's home (`datasets/`): fetched on first use from the mirror root's
 * `datasets/` (a directory or an http(s) URL) when one is set, else from the pinned upstream URL,
 * and always checked against the manifest's sha256 before use.
 */
import {createHash} from 'node:crypto';
import {createReadStream} from 'node:fs';
import {mkdir, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {pipeline} from 'node:stream/promises';
import {JuneError, fromFsError} from '../../errors.js';
import {fetchFile} from '../../runtime/download/fetch-file.js';
import type {Candidate} from '../../runtime/download/plan.js';
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

function sourceOf(entry: DatasetEntry, mirror: string | undefined): Candidate {
  if (!mirror) return {kind: 'http', url: entry.url};
  return /^https?:\/\//i.test(mirror) ? {kind: 'http', url: `${mirror}/datasets/${entry.file}`} : {kind: 'file', path: join(mirror, 'datasets', entry.file)};
}

/**
 * Makes sure one dataset file is in june's home with the pinned sha256, fetching it if needed
 * (through the runtime's downloader: resumable, retried, size and sha256 checked before the
 * file is moved into place).
 */
export async function ensureDatasetFile(entry: DatasetEntry, opts: DatasetStoreOptions): Promise<DatasetFile> {
  const path = datasetPath(entry, opts.datasetsDir);
  if (await isDatasetCached(entry, opts.datasetsDir)) return {entry, path, sha256: entry.sha256, source: 'cache'};
  const candidate = sourceOf(entry, opts.mirror);
  const where = candidate.kind === 'file' ? candidate.path : candidate.url;
  try {
    await mkdir(opts.datasetsDir, {recursive: true});
  } catch (err) {
    throw fromFsError(err, opts.datasetsDir, 'creating the datasets directory');
  }
  const {EnvHttpProxyAgent, interceptors} = await import('undici');
  const agent = new EnvHttpProxyAgent();
  try {
    const fetched = await fetchFile(
      {
        id: `dataset ${entry.id}`,
        source: entry.url,
        file: entry.file,
        dest: path,
        candidates: [candidate],
        viaMirror: opts.mirror !== undefined,
        expected: {bytes: entry.bytes, sha256: entry.sha256},
        entry: null,
      },
      {
        dispatcher: agent.compose(interceptors.redirect({maxRedirections: 5})),
        env: process.env,
        signal: opts.signal,
        observer: {progress: (done, total) => opts.onProgress?.(entry, done, total ?? entry.bytes)},
      },
    );
    return {entry, path, sha256: fetched.sha256, source: fetched.from};
  } catch (err) {
    if (err instanceof JuneError && (err.code === 'MODEL_NOT_FOUND' || err.code === 'HTTP_ERROR'))
      throw new JuneError(err.code === 'HTTP_ERROR' ? 'HTTP_ERROR' : 'DOWNLOAD_FAILED', `dataset ${entry.id}: ${where} is not there (${err.message})`, {
        hint: opts.mirror
          ? `the mirror root must hold datasets/${entry.file} (or unset --mirror/JUNE_MIRROR to fetch it from upstream)`
          : 'check the network, or use a mirror root holding datasets/ (--mirror DIR|URL or JUNE_MIRROR)',
        cause: err,
      });
    throw err;
  } finally {
    await agent.close();
  }
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
