/**
 * Reading the JSONL files june is given (datasets, samples): gzip or plain, one record a line, each
 * error naming the file, the line number and the field.
 */
import {readFile} from 'node:fs/promises';
import {gunzipSync} from 'node:zlib';
import type {z} from 'zod';
import {JuneError, type JuneErrorCode, fromFsError} from '../../errors.js';
import {parsePythonJson} from './python-json.js';

export interface JsonlLine {
  /** 1-based line number in the (decompressed) file. */
  line: number;
  text: string;
}

/** The non-blank lines of a .jsonl or .jsonl.gz file. */
export async function readJsonlLines(file: string, doing = 'reading'): Promise<JsonlLine[]> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw fromFsError(err, file, doing);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw new JuneError('BAD_INPUT', `${file} is not a valid gzip file (${(err as Error).message})`, {
        hint: 'the file is truncated or corrupt: fetch it again',
      });
    }
  }
  const text = buf.toString('utf8');
  const out: JsonlLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = (lines[i] as string).replace(/\r$/, '');
    if (t.trim() !== '') out.push({line: i + 1, text: t});
  }
  return out;
}

/** One line: `FILE:LINE: field "F": what is wrong`. */
export function lineError(
  code: JuneErrorCode,
  file: string,
  line: number,
  field: string | null,
  message: string,
  hint: string,
): JuneError {
  const where = field ? `${file}:${line}: field "${field}"` : `${file}:${line}`;
  return new JuneError(code, `${where}: ${message}`, {hint});
}

/** Parses a line as a JSON object (Python's NaN/Infinity allowed) and validates it with `schema`. */
export function parseJsonlRecord<S extends z.ZodType>(
  schema: S,
  l: JsonlLine,
  file: string,
  code: JuneErrorCode,
  hint: string,
): z.infer<S> {
  let raw: unknown;
  try {
    raw = parsePythonJson(l.text);
  } catch (err) {
    throw lineError(code, file, l.line, null, `not valid JSON (${(err as Error).message})`, hint);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw lineError(code, file, l.line, null, 'expected a JSON object', hint);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length ? issue.path.map(String).join('.') : null;
    throw lineError(code, file, l.line, field, issue?.message ?? 'invalid', hint);
  }
  return parsed.data as z.infer<S>;
}
