/**
 * Run directories and their records: `runs/<id>/` under june's home, holding append-only JSONL
 * files where every line is fsynced before the next is written, so a kill -9 loses at most the
 * line being written (and that half line is cut off when the file is next opened for appending).
 * Used by `june evaluate` and `june run-benchmarks`.
 */
import {randomBytes} from 'node:crypto';
import {mkdir} from 'node:fs/promises';
import {join} from 'node:path';
import {JuneError, fromFsError} from '../errors.js';

export {JsonlAppender, readJsonlRecords, writeFileAtomic, writeJsonAtomic, type JsonlRecords} from '../records.js';

/** A run id: `<prefix>-<UTC yyyymmdd-hhmmss>-<4 hex>`, sortable by start time. */
export function newRunId(prefix: string, now = new Date()): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${prefix}-${ts}-${randomBytes(2).toString('hex')}`;
}

/** Creates (or reopens) `runsDir/<id>` and returns its path. */
export async function ensureRunDir(runsDir: string, id: string): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(id))
    throw new JuneError('BAD_INPUT', `"${id}" is not a valid run id`, {hint: 'run ids use letters, digits, ".", "_", "+" and "-"'});
  const dir = join(runsDir, id);
  try {
    await mkdir(dir, {recursive: true});
  } catch (err) {
    throw fromFsError(err, dir, 'creating the run directory');
  }
  return dir;
}

