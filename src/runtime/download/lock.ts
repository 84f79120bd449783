/**
 * The lock record of downloaded files (resolvePaths().modelsLock): for each file in the models
 * directory, what was fetched (id, source, where from), its size and sha256, whether that sha256
 * was checked against a published one, and when. Written atomically (temp file + rename) and
 * serialised — within the process by a queue, across june processes by a lock file
 * (proper-lockfile) — so parallel downloads never lose each other's records.
 */
import {randomBytes} from 'node:crypto';
import {mkdir, open, readFile, rename, rm} from 'node:fs/promises';
import {dirname} from 'node:path';
import {z} from 'zod';
import {describeZodIssue} from '../../config.js';
import {JuneError, fromFsError} from '../../errors.js';

export const LockRecordSchema = z
  .object({
    id: z.string().min(1),
    /** The reference the file was asked for by: hf:owner/repo/file or an https:// URL. */
    source: z.string().min(1),
    /** Where the bytes actually came from: a URL or a mirror file path. */
    from: z.string().min(1),
    file: z.string().min(1),
    bytes: z.number().int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** True when the sha256 matched a published one (the catalog's); false when it was only computed. */
    verified: z.boolean(),
    fetchedAt: z.string().datetime(),
    /** mtime of the file when it was recorded: lets a later run skip rehashing an unchanged file. */
    mtimeMs: z.number().nonnegative(),
  })
  .strict();

export type LockRecord = z.infer<typeof LockRecordSchema>;

export const LockFileSchema = z
  .object({
    version: z.literal(1),
    /** Keyed by file name in the models directory. */
    files: z.record(z.string(), LockRecordSchema),
  })
  .strict();

export type LockFile = z.infer<typeof LockFileSchema>;

export async function readLock(lockPath: string): Promise<LockFile> {
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (err) {
    if ((err as {code?: string}).code === 'ENOENT') return {version: 1, files: {}};
    throw fromFsError(err, lockPath, 'reading the download lock');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new JuneError('BAD_INPUT', `download lock ${lockPath} is not valid JSON (${(err as Error).message})`, {
      hint: 'delete it; `june download-models` rebuilds it, rehashing the files present',
    });
  }
  const parsed = LockFileSchema.safeParse(raw);
  if (!parsed.success)
    throw new JuneError('BAD_INPUT', `download lock ${lockPath}: ${describeZodIssue(parsed.error)}`, {
      hint: 'delete it; `june download-models` rebuilds it, rehashing the files present',
    });
  return parsed.data;
}

async function writeLock(lockPath: string, lock: LockFile): Promise<void> {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(lockPath), {recursive: true});
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(lock, null, 2) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, lockPath);
  } catch (err) {
    await rm(tmp, {force: true}).catch(() => undefined);
    throw fromFsError(err, lockPath, 'writing the download lock');
  }
}

const queues = new Map<string, Promise<unknown>>();

/** Read-modify-write of the lock, one at a time per lock file, in this process and across processes. */
export function updateLock(lockPath: string, change: (lock: LockFile) => void): Promise<LockFile> {
  const prev = queues.get(lockPath) ?? Promise.resolve();
  const next = prev
    .catch(() => undefined)
    .then(async () => {
      await mkdir(dirname(lockPath), {recursive: true}).catch((err: unknown) => {
        throw fromFsError(err, dirname(lockPath), 'writing the download lock');
      });
      const {lock: acquire} = await import('proper-lockfile');
      let release: () => Promise<void>;
      try {
        // another june process holding it finishes in milliseconds; a crashed one's lock goes stale
        release = await acquire(lockPath, {realpath: false, stale: 10_000, retries: {retries: 50, minTimeout: 20, maxTimeout: 200}});
      } catch (err) {
        throw new JuneError('NOT_WRITABLE', `cannot lock the download lock ${lockPath}: ${(err as Error).message}`, {
          hint: 'another june process may be stuck holding it; remove the .lock directory beside it if none runs',
          cause: err,
        });
      }
      try {
        const lock = await readLock(lockPath);
        change(lock);
        await writeLock(lockPath, lock);
        return lock;
      } finally {
        await release().catch(() => undefined);
      }
    });
  queues.set(lockPath, next);
  return next;
}
