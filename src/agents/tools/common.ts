/** Helpers the file tools share: text reading, binary detection, diffs, safe writes. */
import {constants, type Stats} from 'node:fs';
import {mkdir, open, readFile, stat} from 'node:fs/promises';
import {dirname} from 'node:path';
import {createTwoFilesPatch} from 'diff';
import {ToolRefusal, type ToolContext} from './types.js';
import {resolveInWorkspace, type ResolvedPath} from './workspace.js';

/** Files larger than this are not read whole by read_file, edit_file or search. */
export const MAX_TEXT_BYTES = 8 * 1024 * 1024;
/** Lines of a new file an approval preview shows before it says how many more there are. */
export const PREVIEW_NEW_FILE_LINES = 400;
export const PREVIEW_MAX_BYTES = 64 * 1024;

/** Git's heuristic: a NUL byte in the first 8000 bytes means binary. */
export function looksBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8000).includes(0);
}

export async function statOrNull(p: string): Promise<Stats | null> {
  try {
    return await stat(p);
  } catch (err) {
    const c = (err as {code?: string}).code;
    if (c === 'ENOENT' || c === 'ENOTDIR') return null;
    throw err;
  }
}

/** Reads a workspace text file for a tool, refusing directories, binaries and huge files with a message for the model. */
export async function readTextFile(p: ResolvedPath, input: string): Promise<string> {
  const st = await statOrNull(p.abs);
  if (!st) throw new ToolRefusal(`${input}: no such file in the workspace (list_dir shows what is there)`);
  if (st.isDirectory()) throw new ToolRefusal(`${input} is a directory; use list_dir`);
  if (!st.isFile()) throw new ToolRefusal(`${input} is not a regular file`);
  if (st.size > MAX_TEXT_BYTES) throw new ToolRefusal(`${input} is ${st.size} bytes, over the ${MAX_TEXT_BYTES}-byte limit for text files`);
  const buf = await readFile(p.abs);
  if (looksBinary(buf)) throw new ToolRefusal(`${input} is a binary file (${st.size} bytes); tools read and edit text files only`);
  return buf.toString('utf8');
}

export function countTextLines(text: string): number {
  if (text === '') return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

/** A unified diff of one file (before null = a new file). */
export function unifiedDiff(rel: string, before: string | null, after: string): string {
  const d = createTwoFilesPatch(before === null ? '/dev/null' : `a/${rel}`, `b/${rel}`, before ?? '', after, undefined, undefined, {context: 3});
  // drop the package's "=====" banner: git-style headers only
  return d.replace(/^=+\n/, '').replace(/^(---|\+\+\+) (\S+)\t$/gm, '$1 $2');
}

/** What an approval prompt shows for a write: the diff, a new file whole up to a limit. */
export function previewDiff(rel: string, before: string | null, after: string): string {
  const d = unifiedDiff(rel, before, after);
  const lines = d.split('\n');
  const max = before === null ? PREVIEW_NEW_FILE_LINES + 4 : PREVIEW_NEW_FILE_LINES * 2;
  let out = lines.length > max ? lines.slice(0, max).join('\n') + `\n[… ${lines.length - max} more diff lines]\n` : d;
  if (Buffer.byteLength(out) > PREVIEW_MAX_BYTES) out = out.slice(0, PREVIEW_MAX_BYTES) + `\n[… preview cut at ${PREVIEW_MAX_BYTES} bytes]\n`;
  return out;
}

/**
 * Writes a text file at a path resolved again just before the write (a symlink planted since the
 * call was built is caught), creating parent directories; the final component is opened with
 * O_NOFOLLOW so a link swapped in at the last moment fails instead of being followed (and
 * O_NONBLOCK, so a FIFO planted there fails instead of blocking).
 */
export async function writeConfined(ctx: ToolContext, input: string, content: string): Promise<ResolvedPath> {
  const p = await resolveInWorkspace(ctx.workspace, input);
  await mkdir(dirname(p.abs), {recursive: true});
  const again = await resolveInWorkspace(ctx.workspace, input);
  if (again.abs !== p.abs) throw new ToolRefusal(`${input} changed while it was being written; retry`);
  let fh;
  try {
    fh = await open(p.abs, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o666);
  } catch (err) {
    const c = (err as {code?: string}).code;
    if (c === 'ELOOP') throw new ToolRefusal(`${input} became a symbolic link; refused`);
    if (c === 'EISDIR') throw new ToolRefusal(`${input} is a directory`);
    if (c === 'ENXIO') throw new ToolRefusal(`${input} is not a regular file`);
    if (c === 'EACCES' || c === 'EPERM') throw new ToolRefusal(`${input}: permission denied`);
    throw err;
  }
  try {
    await fh.writeFile(content, 'utf8');
  } finally {
    await fh.close();
  }
  return p;
}

/** Numbered lines, `cat -n` style. */
export function numbered(lines: readonly string[], first: number): string {
  const width = String(first + lines.length - 1).length;
  return lines.map((l, i) => `${String(first + i).padStart(Math.max(width, 4))}\t${l}`).join('\n');
}
