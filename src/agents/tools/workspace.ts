/**
 * Confinement: every path a tool touches resolves inside the workspace. A path is taken relative to
 * the workspace root (an absolute path must already lie inside it), then resolved the way the
 * kernel would follow it: the realpath of the deepest existing ancestor, with symlinks followed
 * hop by hop — also a dangling one, whose target a write would create. `..` that climbs out, an
 * absolute path elsewhere, a symlink (of the file or of a parent directory) that leads out: all are
 * refused with a ToolRefusal the model can read.
 */
import {lstat, readlink, realpath} from 'node:fs/promises';
import {basename, dirname, isAbsolute, relative, resolve, sep} from 'node:path';
import {ToolRefusal} from './types.js';

export interface ResolvedPath {
  /** The real path on the host (symlinks resolved), inside the workspace. */
  abs: string;
  /** Relative to the workspace root, forward slashes; '.' for the root. */
  rel: string;
}

const MAX_LINKS = 40;

function inside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r === '' || (!r.startsWith('..' + sep) && r !== '..' && !isAbsolute(r));
}

export function toRel(root: string, abs: string): string {
  const r = relative(root, abs);
  return r === '' ? '.' : r.split(sep).join('/');
}

function code(err: unknown): string | undefined {
  return (err as {code?: string}).code;
}

/** realpath of p, following a dangling final symlink to the path it would create. */
async function follow(p: string, hops: number): Promise<string> {
  if (hops > MAX_LINKS) throw new ToolRefusal(`too many levels of symbolic links resolving ${p}`);
  try {
    return await realpath(p);
  } catch (err) {
    if (code(err) !== 'ENOENT' && code(err) !== 'ENOTDIR') throw err;
  }
  let st;
  try {
    st = await lstat(p);
  } catch (err) {
    if (code(err) !== 'ENOENT' && code(err) !== 'ENOTDIR') throw err;
    const parent = dirname(p);
    if (parent === p) return p;
    return resolve(await follow(parent, hops), basename(p));
  }
  if (st.isSymbolicLink()) {
    // a dangling link: a write through it would create its target
    const target = await readlink(p);
    return follow(resolve(dirname(p), target), hops + 1);
  }
  return p;
}

/**
 * Resolves a path argument inside the workspace (`root` must already be realpath'd) or throws a
 * ToolRefusal that says why.
 */
export async function resolveInWorkspace(root: string, input: string): Promise<ResolvedPath> {
  const raw = input.trim() === '' ? '.' : input;
  if (raw.includes('\0')) throw new ToolRefusal('path contains a NUL byte');
  const lexical = isAbsolute(raw) ? resolve(raw) : resolve(root, raw);
  if (!inside(root, lexical))
    throw new ToolRefusal(`${input} is outside the workspace (${root}); use a path relative to the workspace root`);
  let real: string;
  try {
    real = await follow(lexical, 0);
  } catch (err) {
    if (err instanceof ToolRefusal) throw err;
    throw new ToolRefusal(`cannot resolve ${input}: ${(err as Error).message}`);
  }
  if (!inside(root, real))
    throw new ToolRefusal(`${input} leads outside the workspace through a symbolic link (to ${real}); only paths inside ${root} can be used`);
  return {abs: real, rel: toRel(root, real)};
}
