/**
 * download-models' core: plans the jobs, checks free disk space, fetches several files at once,
 * skips files already present and verified, and records each finished file in the lock. A file
 * that fails does not stop the others; Ctrl-C (the signal) stops all, keeping the partials.
 */
import {mkdir, rm, stat} from 'node:fs/promises';
import {EnvHttpProxyAgent, interceptors} from 'undici';
import {JuneError, fromFsError, toJuneError} from '../../errors.js';
import {type Env, resolvePaths} from '../../paths.js';
import {type ModelRole, loadCatalog} from '../catalog.js';
import {type TransferObserver, checkFreeSpace, fetchFile, sha256OfFile} from './fetch-file.js';
import {type LockRecord, readLock, updateLock} from './lock.js';
import {type DownloadJob, planDownloads} from './plan.js';

export type {DownloadJob} from './plan.js';
export type {TransferObserver} from './fetch-file.js';

/** One file of the result (`--json`: {"files": [...]}). */
export interface DownloadedFile {
  id: string;
  source: string;
  path: string;
  bytes: number;
  sha256: string;
  /** Already present and verified: nothing was fetched. */
  skipped: boolean;
  /** The sha256 matched a published one; false when it was only computed here. */
  verified: boolean;
}

export interface DownloadFailure {
  id: string;
  source: string;
  error: JuneError;
}

export interface DownloadOutcome {
  files: DownloadedFile[];
  failures: DownloadFailure[];
}

/** Per-file progress reporting (the progress bars), all optional. */
export interface DownloadReporter {
  start(job: DownloadJob): TransferObserver;
  finish(job: DownloadJob, result: DownloadedFile | JuneError): void;
}

export interface DownloadRequest {
  refs: string[];
  allDefaults?: boolean;
  /** Resolved mirror root (directory or URL), see resolveMirror(). */
  mirror?: string | undefined;
  env?: Env;
  signal?: AbortSignal | undefined;
  reporter?: DownloadReporter | undefined;
  /** Files fetched at once (default 3). */
  parallel?: number | undefined;
  retries?: number | undefined;
  backoffMs?: number | undefined;
  configDefaults?: Partial<Record<ModelRole, string>>;
}

function proxyAgent(env: Env): EnvHttpProxyAgent {
  const pick = (...names: string[]): string | undefined => names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
  const opts: EnvHttpProxyAgent.Options = {};
  const http = pick('http_proxy', 'HTTP_PROXY');
  const https = pick('https_proxy', 'HTTPS_PROXY');
  const no = pick('no_proxy', 'NO_PROXY');
  if (http !== undefined) opts.httpProxy = http;
  if (https !== undefined) opts.httpsProxy = https;
  if (no !== undefined) opts.noProxy = no;
  return new EnvHttpProxyAgent(opts);
}

/** The already-downloaded file when it is present and checks out, else null. */
async function presentAndVerified(job: DownloadJob, record: LockRecord | undefined, signal?: AbortSignal): Promise<DownloadedFile | null> {
  let st;
  try {
    st = await stat(job.dest);
  } catch {
    return null;
  }
  if (!st.isFile()) return null;
  if (job.expected.bytes !== null && st.size !== job.expected.bytes) return null;
  const unchanged = record !== undefined && record.bytes === st.size && record.mtimeMs === st.mtimeMs;
  let sha256: string;
  if (unchanged && (job.expected.sha256 === null || record.sha256 === job.expected.sha256)) sha256 = record.sha256;
  else {
    // no record, or the file changed since it was recorded: only a published sha256 can vouch for it
    if (job.expected.sha256 === null && !record) return null;
    sha256 = await sha256OfFile(job.dest, signal);
    if (job.expected.sha256 !== null ? sha256 !== job.expected.sha256 : sha256 !== record?.sha256) return null;
  }
  return {
    id: job.id,
    source: job.source,
    path: job.dest,
    bytes: st.size,
    sha256,
    skipped: true,
    verified: job.expected.sha256 !== null,
  };
}

/** mkdir -p that reports the real cause: a recursive mkdir on a read-only filesystem says ENOENT. */
async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, {recursive: true});
  } catch (err) {
    let cause: unknown = err;
    if ((err as {code?: string}).code === 'ENOENT')
      cause = await mkdir(dir).then(
        () => err,
        (e: unknown) => e,
      );
    throw fromFsError(cause, dir, 'creating the models directory');
  }
}

async function record(lockPath: string, job: DownloadJob, file: DownloadedFile, from: string): Promise<void> {
  const st = await stat(job.dest);
  await updateLock(lockPath, (lock) => {
    const prev = lock.files[job.file];
    lock.files[job.file] = {
      id: job.id,
      source: job.source,
      from: file.skipped && prev ? prev.from : from,
      file: job.file,
      bytes: file.bytes,
      sha256: file.sha256,
      verified: file.verified,
      fetchedAt: file.skipped && prev ? prev.fetchedAt : new Date().toISOString(),
      mtimeMs: st.mtimeMs,
    };
  });
}

async function partialSize(job: DownloadJob): Promise<number> {
  try {
    return (await stat(`${job.dest}.partial`)).size;
  } catch {
    return 0;
  }
}

export async function downloadModels(req: DownloadRequest): Promise<DownloadOutcome> {
  const env = req.env ?? process.env;
  const paths = resolvePaths(env);
  const catalog = loadCatalog();
  if (req.refs.length === 0 && !req.allDefaults)
    throw new JuneError('USAGE', 'nothing to download', {
      hint: 'name catalog ids, hf:owner/repo/file URIs or URLs, or pass --all-defaults (`june models list --all` shows the catalog)',
    });
  const jobs = planDownloads(req.refs, {
    catalog,
    modelsDir: paths.modelsDir,
    mirror: req.mirror,
    allDefaults: req.allDefaults ?? false,
    configDefaults: req.configDefaults ?? {},
  });
  await ensureDir(paths.modelsDir);
  const lock = await readLock(paths.modelsLock);

  // free-disk check before starting: what is still missing of the files whose size is known
  let need = 0;
  for (const job of jobs) {
    if (job.expected.bytes === null) continue;
    const present = await stat(job.dest).then((s) => s.size === job.expected.bytes, () => false);
    if (!present) need += job.expected.bytes - Math.min(job.expected.bytes, await partialSize(job));
  }
  await checkFreeSpace(paths.modelsDir, need);

  const agent = proxyAgent(env);
  const dispatcher = agent.compose(interceptors.redirect({maxRedirections: 5}));
  const files: (DownloadedFile | undefined)[] = new Array(jobs.length);
  const failures: DownloadFailure[] = [];
  let next = 0;

  const runOne = async (job: DownloadJob, index: number): Promise<void> => {
    const observer = req.reporter?.start(job);
    try {
      let result = await presentAndVerified(job, lock.files[job.file], req.signal);
      let from = '';
      if (!result) {
        const got = await fetchFile(job, {
          dispatcher,
          env,
          signal: req.signal,
          observer,
          retries: req.retries,
          backoffMs: req.backoffMs,
        });
        from = got.from;
        result = {
          id: job.id,
          source: job.source,
          path: job.dest,
          bytes: got.bytes,
          sha256: got.sha256,
          skipped: false,
          verified: job.expected.sha256 !== null,
        };
      }
      await record(paths.modelsLock, job, result, from);
      files[index] = result;
      req.reporter?.finish(job, result);
    } catch (err) {
      const je = toJuneError(err);
      req.reporter?.finish(job, je);
      if (je.code === 'INTERRUPTED' || req.signal?.aborted) throw je;
      failures.push({id: job.id, source: job.source, error: je});
    }
  };

  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      await runOne(jobs[i]!, i);
    }
  };
  const parallel = Math.max(1, Math.min(req.parallel ?? 3, jobs.length));
  try {
    const settled = await Promise.allSettled(Array.from({length: parallel}, worker));
    const stop = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (stop) throw toJuneError(stop.reason);
  } finally {
    await agent.close().catch(() => undefined);
  }
  return {files: files.filter((f): f is DownloadedFile => f !== undefined), failures};
}

/** Removes a file from the models directory with its partial and its lock record. */
export async function removeModelFile(lockPath: string, path: string, file: string): Promise<void> {
  try {
    await rm(path, {force: true});
    await rm(`${path}.partial`, {force: true});
  } catch (err) {
    throw fromFsError(err, path, 'removing the model');
  }
  await updateLock(lockPath, (lock) => {
    delete lock.files[file];
  });
}
