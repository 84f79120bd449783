/**
 * Turns what the user asked for (catalog ids, hf: URIs, URLs, --all-defaults) into download
 * jobs: the file to write, the expected size and sha256 where the catalog has them, and the
 * places to fetch it from, in order (a mirror, when one is set, instead of the hub).
 */
import {join} from 'node:path';
import {JuneError} from '../../errors.js';
import {
  type Catalog,
  type CatalogEntry,
  type HfRef,
  ModelRole,
  defaultFor,
  findBySource,
  findEntry,
  hfResolveUrl,
  parseHfUri,
  unknownModelError,
} from '../catalog.js';

export type Candidate = {kind: 'file'; path: string} | {kind: 'http'; url: string};

export interface DownloadJob {
  /** Catalog id, else the file name. */
  id: string;
  /** The hf: URI or URL this file is known by. */
  source: string;
  file: string;
  /** Final path in the models directory. */
  dest: string;
  /** Tried in order; a candidate that lacks the file (404, no such file) passes to the next. */
  candidates: Candidate[];
  /** True when every candidate is a mirror location (a miss is "not in the mirror"). */
  viaMirror: boolean;
  expected: {bytes: number | null; sha256: string | null};
  entry: CatalogEntry | null;
}

export interface PlanOptions {
  catalog: Catalog;
  modelsDir: string;
  /** A mirror root: a directory or an http(s) URL holding models/. */
  mirror?: string | undefined;
  allDefaults?: boolean;
  configDefaults?: Partial<Record<ModelRole, string>>;
}

function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** Where a mirror root may hold a file: models/<file>, then models/<owner>/<repo>/<path in repo>. */
export function mirrorCandidates(mirror: string, file: string, hf: HfRef | undefined): Candidate[] {
  const rel: string[][] = [['models', file]];
  if (hf) {
    rel.push(['models', hf.owner, hf.repo, ...hf.path.split('/')]);
    if (hf.path !== hf.file) rel.push(['models', hf.owner, hf.repo, hf.file]);
  }
  if (isUrl(mirror)) {
    const base = mirror.replace(/\/+$/, '');
    return rel.map((parts) => ({kind: 'http', url: `${base}/${parts.map(encodeURIComponent).join('/')}`}));
  }
  return rel.map((parts) => ({kind: 'file', path: join(mirror, ...parts)}));
}

function jobFor(source: string, entry: CatalogEntry | null, opts: PlanOptions): DownloadJob {
  const hf = parseHfUri(source);
  let file: string;
  let candidates: Candidate[];
  let viaMirror = false;
  if (hf) {
    file = entry?.file ?? hf.file;
    if (opts.mirror) {
      candidates = mirrorCandidates(opts.mirror, file, hf);
      viaMirror = true;
    } else candidates = [{kind: 'http', url: hfResolveUrl(hf)}];
  } else {
    const url = new URL(source);
    const last = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    file = entry?.file ?? last;
    if (!file || file === '.' || file === '..' || /[\\/]/.test(file))
      throw new JuneError('BAD_INPUT', `cannot tell the file name from the URL ${source}`, {
        hint: 'use a URL that ends in the file name, e.g. https://host/path/model.gguf',
      });
    candidates = [{kind: 'http', url: source}];
  }
  return {
    id: entry?.id ?? file,
    source,
    file,
    dest: join(opts.modelsDir, file),
    candidates,
    viaMirror,
    expected: {bytes: entry?.bytes ?? null, sha256: entry?.sha256 ?? null},
    entry,
  };
}

/** One job per distinct file, in the order asked; unknown ids and bad references throw. */
export function planDownloads(refs: string[], opts: PlanOptions): DownloadJob[] {
  const jobs = new Map<string, DownloadJob>();
  const add = (job: DownloadJob): void => {
    if (!jobs.has(job.file)) jobs.set(job.file, job);
  };
  if (opts.allDefaults)
    for (const role of ModelRole.options) {
      const entry = defaultFor(opts.catalog, role, opts.configDefaults);
      add(jobFor(entry.source, entry, opts));
    }
  for (const raw of refs) {
    const ref = raw.trim();
    if (ref.startsWith('hf:')) {
      if (!parseHfUri(ref))
        throw new JuneError('BAD_INPUT', `"${ref}" is not an hf: URI`, {hint: 'write it as hf:owner/repo/file.gguf'});
      add(jobFor(ref, findBySource(opts.catalog, ref) ?? null, opts));
    } else if (isUrl(ref)) {
      add(jobFor(ref, findBySource(opts.catalog, ref) ?? null, opts));
    } else {
      const entry = findEntry(opts.catalog, ref);
      if (entry) add(jobFor(entry.source, entry, opts));
      else if (/[\\/]/.test(ref) || /\.(gguf|bin|onnx)$/i.test(ref))
        throw new JuneError('BAD_INPUT', `"${ref}" looks like a file path; download-models fetches catalog ids, hf: URIs and URLs`, {
          hint: 'pass a local GGUF to other commands with --model FILE, or copy it into a mirror\'s models/',
        });
      else throw unknownModelError(opts.catalog, ref);
    }
  }
  return [...jobs.values()];
}
