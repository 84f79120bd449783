/**
 * Finds a model file already on disk, never downloading: a GGUF path, a catalog id (or alias) or
 * an hf:owner/repo/file URI, looked up in june's models directory, then in the mirror's models/
 * (by file name, or under owner/repo/). Verify, bench and the model host load what this returns.
 */
import {stat} from 'node:fs/promises';
import {basename, isAbsolute, join, resolve} from 'node:path';
import {JuneError} from '../errors.js';
import {type Env, resolveMirror, resolvePaths} from '../paths.js';
import {type CatalogEntry, type HfRef, findByFile, findBySource, findEntry, loadCatalog, parseHfUri, unknownModelError} from './catalog.js';

export interface LocatedModel {
  /** Catalog id when known, else the file name. */
  id: string;
  path: string;
  entry: CatalogEntry | null;
}

async function isFile(path: string): Promise<number | null> {
  try {
    const st = await stat(path);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

/** The places a file may be on disk, in the order they are tried. */
export function modelFileCandidates(file: string, hf: HfRef | undefined, modelsDir: string, mirror: string | undefined): string[] {
  const out = [join(modelsDir, file)];
  if (mirror && !/^https?:\/\//i.test(mirror)) {
    out.push(join(mirror, 'models', file));
    if (hf) {
      out.push(join(mirror, 'models', hf.owner, hf.repo, ...hf.path.split('/')));
      if (hf.path !== hf.file) out.push(join(mirror, 'models', hf.owner, hf.repo, hf.file));
    }
  }
  return out;
}

function looksLikePath(ref: string): boolean {
  return isAbsolute(ref) || ref.startsWith('.') || /[\\/]/.test(ref) || /\.(gguf|bin|onnx)$/i.test(ref);
}

export async function locateModel(ref: string, opts: {mirror?: string; env?: Env} = {}): Promise<LocatedModel> {
  const env = opts.env ?? process.env;
  const trimmed = ref.trim();
  if (!trimmed) throw new JuneError('USAGE', 'no model given', {hint: 'pass a catalog id, an hf:owner/repo/file URI or a GGUF path'});
  const catalog = loadCatalog();
  const paths = resolvePaths(env);
  const mirror = resolveMirror(opts.mirror, env);

  let entry: CatalogEntry | null;
  let hf: HfRef | undefined;
  let file: string;
  if (trimmed.startsWith('hf:')) {
    hf = parseHfUri(trimmed);
    if (!hf) throw new JuneError('BAD_INPUT', `"${trimmed}" is not an hf: URI`, {hint: 'write it as hf:owner/repo/file.gguf'});
    entry = findBySource(catalog, trimmed) ?? null;
    file = entry?.file ?? hf.file;
  } else if (/^https?:\/\//i.test(trimmed)) {
    throw new JuneError('BAD_INPUT', `"${trimmed}" is a URL; models are loaded from disk`, {
      hint: `download it first: june download-models ${trimmed}`,
    });
  } else {
    const byId = findEntry(catalog, trimmed);
    if (byId) {
      entry = byId;
      hf = parseHfUri(byId.source);
      file = byId.file;
    } else if (looksLikePath(trimmed)) {
      const path = resolve(trimmed);
      const size = await isFile(path);
      if (size !== null) {
        const known = findByFile(catalog, basename(path)) ?? null;
        return {id: known?.id ?? basename(path), path, entry: known};
      }
      // a bare file name may still be in the models directory or the mirror
      if (!isAbsolute(trimmed) && !/[\\/]/.test(trimmed)) {
        for (const p of modelFileCandidates(trimmed, undefined, paths.modelsDir, mirror))
          if ((await isFile(p)) !== null) {
            const known = findByFile(catalog, trimmed) ?? null;
            return {id: known?.id ?? trimmed, path: p, entry: known};
          }
      }
      throw new JuneError('FILE_NOT_FOUND', `model file ${path} does not exist`, {
        hint: 'check the path, or pass a catalog id (`june models list --all`)',
      });
    } else {
      throw unknownModelError(catalog, trimmed);
    }
  }

  const id = entry?.id ?? file;
  const tried = modelFileCandidates(file, hf, paths.modelsDir, mirror);
  let wrongSize: string | undefined;
  for (const p of tried) {
    const size = await isFile(p);
    if (size === null) continue;
    if (entry?.bytes != null && size !== entry.bytes) {
      wrongSize ??= `${p} is ${size} bytes, expected ${entry.bytes}`;
      continue;
    }
    return {id, path: p, entry};
  }
  const source = entry?.source ?? trimmed;
  if (wrongSize)
    throw new JuneError('MODEL_NOT_FOUND', `${id} is incomplete or a different file (${wrongSize})`, {
      hint: `june download-models ${entry ? entry.id : source}`,
    });
  throw new JuneError('MODEL_NOT_FOUND', `${id} is not downloaded (looked in ${tried.join(', ')})`, {
    hint: `june download-models ${entry ? entry.id : source}${mirror ? ` --mirror ${mirror}` : ''}`,
  });
}
