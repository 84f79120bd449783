/**
 * What is in the models directory: files present with their lock records (for `june models list`
 * and `verify`), and removal of a file with its lock record (`june models rm`).
 */
import {readdir, stat} from 'node:fs/promises';
import {basename, join} from 'node:path';
import {JuneError, fromFsError} from '../../errors.js';
import {type Env, resolvePaths} from '../../paths.js';
import {findByFile, findEntry, loadCatalog} from '../catalog.js';
import {removeModelFile} from './index.js';
import {readLock} from './lock.js';

export interface InstalledModel {
  id: string;
  path: string | null;
  bytes: number | null;
  sha256: string | null;
  /** The file is unchanged since it was downloaded and its sha256 matched a published one. */
  verified: boolean;
  source: string | null;
  fetchedAt: string | null;
  present: boolean;
  role: string | null;
}

const IGNORED = /\.(partial|tmp)$/;

async function filesIn(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, {withFileTypes: true});
    return entries.filter((e) => e.isFile() && !IGNORED.test(e.name) && e.name !== 'june-lock.json').map((e) => e.name);
  } catch (err) {
    if ((err as {code?: string}).code === 'ENOENT') return [];
    throw fromFsError(err, dir, 'listing the models directory');
  }
}

export async function listModels(env: Env = process.env, opts: {all?: boolean} = {}): Promise<InstalledModel[]> {
  const paths = resolvePaths(env);
  const catalog = loadCatalog();
  const lock = await readLock(paths.modelsLock);
  const out: InstalledModel[] = [];
  for (const name of await filesIn(paths.modelsDir)) {
    const path = join(paths.modelsDir, name);
    const st = await stat(path);
    const rec = lock.files[name];
    const entry = (rec ? findEntry(catalog, rec.id) : undefined) ?? findByFile(catalog, name);
    out.push({
      id: rec?.id ?? entry?.id ?? name,
      path,
      bytes: st.size,
      sha256: rec?.sha256 ?? null,
      verified: rec !== undefined && rec.verified && rec.bytes === st.size && rec.mtimeMs === st.mtimeMs,
      source: rec?.source ?? entry?.source ?? null,
      fetchedAt: rec?.fetchedAt ?? null,
      present: true,
      role: entry?.role ?? null,
    });
  }
  out.sort((a, b) => a.id.localeCompare(b.id));
  if (opts.all)
    for (const m of catalog.models)
      if (!out.some((o) => o.path !== null && basename(o.path) === m.file))
        out.push({
          id: m.id,
          path: null,
          bytes: m.bytes,
          sha256: m.sha256,
          verified: false,
          source: m.source,
          fetchedAt: null,
          present: false,
          role: m.role,
        });
  return out;
}

export interface RemovedModel {
  id: string;
  path: string;
  bytes: number;
}

/** Removes each named model (catalog id, alias or file name); all are checked before any is deleted. */
export async function removeModels(refs: string[], env: Env = process.env): Promise<RemovedModel[]> {
  const paths = resolvePaths(env);
  const catalog = loadCatalog();
  const lock = await readLock(paths.modelsLock);
  const present = new Set(await filesIn(paths.modelsDir));
  const targets = new Map<string, RemovedModel>();
  for (const ref of refs) {
    if (/[\\/]/.test(ref))
      throw new JuneError('BAD_INPUT', `"${ref}" is a path; models rm takes an id or a file name in ${paths.modelsDir}`, {
        hint: 'see `june models list`',
      });
    const file = present.has(ref)
      ? ref
      : (findEntry(catalog, ref)?.file ?? Object.values(lock.files).find((r) => r.id === ref)?.file);
    const path = file ? join(paths.modelsDir, file) : undefined;
    const size = path
      ? await stat(path).then(
          (s) => s.size,
          () => stat(`${path}.partial`).then((s) => s.size, () => null),
        )
      : null;
    if (!file || !path || size === null)
      throw new JuneError('MODEL_NOT_FOUND', `${ref} is not downloaded (nothing in ${paths.modelsDir})`, {
        hint: 'see `june models list` for what is on disk',
      });
    const id = lock.files[file]?.id ?? findByFile(catalog, file)?.id ?? file;
    targets.set(file, {id, path, bytes: size});
  }
  for (const [file, t] of targets) await removeModelFile(paths.modelsLock, t.path, file);
  return [...targets.values()];
}
