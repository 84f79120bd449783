/**
 * Append-only records on disk, shared by every part of june that keeps work (runs, agent sessions,
 * voice turns): JSONL files where every line is fsynced before the next is written, so a kill -9
 * loses at most the line being written (and that half line is cut off when the file is next opened
 * for appending), and files written whole or not at all.
 */
import {randomBytes} from 'node:crypto';
import {type FileHandle, mkdir, open, readFile, rename, rm, stat, truncate} from 'node:fs/promises';
import {dirname} from 'node:path';
import type {z} from 'zod';
import {JuneError, fromFsError} from './errors.js';

/** Writes a file whole or not at all: temp file, fsync, rename. */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await mkdir(dirname(path), {recursive: true});
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, {force: true});
    throw fromFsError(err, path, 'writing');
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * An append-only JSONL file: each append writes one line and fsyncs it before resolving. Appends
 * are serialised, so concurrent callers never interleave lines.
 */
export class JsonlAppender {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
  ) {}

  /** Opens `path` for appending, first cutting off a half-written last line left by a kill. */
  static async open(path: string): Promise<JsonlAppender> {
    try {
      await mkdir(dirname(path), {recursive: true});
      await cutPartialTail(path);
      return new JsonlAppender(path, await open(path, 'a'));
    } catch (err) {
      throw fromFsError(err, path, 'opening the record');
    }
  }

  append(record: unknown): Promise<void> {
    if (this.closed) return Promise.reject(new JuneError('INTERNAL', `append to closed ${this.path}`));
    const line = JSON.stringify(record) + '\n';
    const next = this.chain.then(async () => {
      await this.fh.write(line);
      await this.fh.datasync();
    });
    // a failed write fails its own append; later appends still run
    this.chain = next.catch(() => undefined);
    return next.catch((err: unknown) => {
      throw fromFsError(err, this.path, 'appending to the record');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await this.fh.close();
  }
}

async function cutPartialTail(path: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return;
  }
  if (size === 0) return;
  const buf = await readFile(path);
  if (buf[buf.length - 1] === 0x0a) return;
  const lastNl = buf.lastIndexOf(0x0a);
  await truncate(path, lastNl + 1);
}

export interface JsonlRecords<T> {
  records: T[];
  /** A half-written last line (a kill mid-write) was ignored. */
  partialTail: boolean;
}

/**
 * Reads an append-only JSONL record file (missing file: no records). A line that is not valid or
 * fails `schema` is an error naming file:line, except a half-written last line, which is ignored.
 */
export async function readJsonlRecords<S extends z.ZodType>(path: string, schema: S): Promise<JsonlRecords<z.infer<S>>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as {code?: string}).code === 'ENOENT') return {records: [], partialTail: false};
    throw fromFsError(err, path, 'reading the record');
  }
  const lines = text.split('\n');
  const partialTail = lines.length > 0 && lines[lines.length - 1] !== '';
  const complete = partialTail ? lines.slice(0, -1) : lines;
  const records: z.infer<S>[] = [];
  for (let i = 0; i < complete.length; i++) {
    const t = complete[i] as string;
    if (t.trim() === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(t);
    } catch (err) {
      throw new JuneError('BAD_INPUT', `${path}:${i + 1}: not valid JSON (${(err as Error).message})`, {
        hint: 'the run record is corrupt: move the run directory away to start afresh',
      });
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.length ? ` field "${issue.path.map(String).join('.')}":` : '';
      throw new JuneError('BAD_INPUT', `${path}:${i + 1}:${field} ${issue?.message ?? 'invalid'}`, {
        hint: 'the run record was written by another june version or is corrupt: move the run directory away to start afresh',
      });
    }
    records.push(parsed.data as z.infer<S>);
  }
  return {records, partialTail};
}
