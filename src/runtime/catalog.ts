/**
 * The model catalog (datasets/models.json): real models june knows by id, where they come from
 * and what was checked about them. A field that was not checked against its source is null and
 * the entry is `verified: false`; `verified: true` means the sha256 was checked, so a download is
 * verified against it.
 */
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {z} from 'zod';
import {describeZodIssue} from '../config.js';
import {JuneError} from '../errors.js';

export const ModelRole = z.enum(['coder', 'chat', 'stt', 'tts']);
export type ModelRole = z.infer<typeof ModelRole>;

const HF_URI = /^hf:[^/\s]+\/[^/\s]+\/\S+$/;

export const CatalogEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case id of letters, digits, ".", "_" and "-"'),
    aliases: z.array(z.string().min(1)).default([]),
    name: z.string().min(1),
    role: ModelRole,
    /** hf:owner/repo/path/in/repo or an https:// URL. */
    source: z.string().refine((s) => HF_URI.test(s) || /^https:\/\/\S+$/.test(s), 'an hf:owner/repo/file or https:// URI'),
    /** The file name on disk (and in a mirror's models/). */
    file: z.string().regex(/^[^/\\]+$/, 'a file name without directories'),
    bytes: z.number().int().positive().nullable(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits').nullable(),
    sha1: z.string().regex(/^[0-9a-f]{40}$/).nullable().optional(),
    /** Parameter count in billions. */
    paramsB: z.number().positive().nullable(),
    quantization: z.string().min(1).nullable(),
    contextLength: z.number().int().positive().nullable(),
    license: z.string().min(1).nullable(),
    /** Too large for a CPU: never loaded without a GPU that fits it. */
    gpuOnly: z.boolean().default(false),
    /** Test fixtures (random weights): never a default. */
    testOnly: z.boolean().default(false),
    verified: z.boolean(),
    /** Where each non-null value came from. */
    sources: z.array(z.string().min(1)).min(1),
    notes: z.string().optional(),
  })
  .strict()
  .refine((e) => !e.verified || e.sha256 !== null, {message: 'verified: true needs a checked sha256', path: ['verified']});

export type CatalogEntry = z.infer<typeof CatalogEntrySchema>;

export const CatalogSchema = z
  .object({
    version: z.literal(1),
    defaults: z.object({coder: z.string(), chat: z.string(), stt: z.string(), tts: z.string()}).strict(),
    models: z.array(CatalogEntrySchema).min(1),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = new Map<string, number>();
    c.models.forEach((m, i) => {
      for (const n of [m.id, ...m.aliases]) {
        if (names.has(n)) ctx.addIssue({code: 'custom', message: `id or alias "${n}" is used twice`, path: ['models', i, 'id']});
        names.set(n, i);
      }
    });
    for (const role of ModelRole.options) {
      const id = c.defaults[role];
      const m = c.models.find((x) => x.id === id);
      if (!m) ctx.addIssue({code: 'custom', message: `default ${role} "${id}" is not in the catalog`, path: ['defaults', role]});
      else if (m.role !== role)
        ctx.addIssue({code: 'custom', message: `default ${role} "${id}" has role ${m.role}`, path: ['defaults', role]});
      else if (m.testOnly)
        ctx.addIssue({code: 'custom', message: `default ${role} "${id}" is a test-only model`, path: ['defaults', role]});
    }
  });

export type Catalog = z.infer<typeof CatalogSchema>;

/** The catalog shipped with june (datasets/models.json in the package). */
export const CATALOG_FILE = fileURLToPath(new URL('../../datasets/models.json', import.meta.url));

export function parseCatalog(text: string, file: string): Catalog {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new JuneError('BAD_INPUT', `model catalog ${file} is not valid JSON (${(err as Error).message})`, {
      hint: 'reinstall june or fix the file',
    });
  }
  const parsed = CatalogSchema.safeParse(raw);
  if (!parsed.success)
    throw new JuneError('BAD_INPUT', `model catalog ${file}: ${describeZodIssue(parsed.error)}`, {
      hint: 'fix that entry (see the README section "Model catalog")',
    });
  return parsed.data;
}

let cached: Catalog | undefined;

/** The shipped catalog, read and validated once per process. */
export function loadCatalog(): Catalog {
  if (!cached) cached = parseCatalog(readFileSync(CATALOG_FILE, 'utf8'), CATALOG_FILE);
  return cached;
}

/** The entry with this id or alias (case-insensitive), or undefined. */
export function findEntry(catalog: Catalog, idOrAlias: string): CatalogEntry | undefined {
  const key = idOrAlias.toLowerCase();
  return catalog.models.find((m) => m.id === key || m.aliases.some((a) => a.toLowerCase() === key));
}

/** The entry whose source is this hf:/https: URI, or undefined. */
export function findBySource(catalog: Catalog, source: string): CatalogEntry | undefined {
  return catalog.models.find((m) => m.source === source);
}

/** The entry whose file name is this one, or undefined. */
export function findByFile(catalog: Catalog, file: string): CatalogEntry | undefined {
  return catalog.models.find((m) => m.file === file);
}

/** The default model for a role: the config's choice when set, else the catalog's. */
export function defaultFor(catalog: Catalog, role: ModelRole, configDefaults: Partial<Record<ModelRole, string>> = {}): CatalogEntry {
  const id = configDefaults[role] ?? catalog.defaults[role];
  const entry = findEntry(catalog, id);
  if (!entry)
    throw new JuneError('MODEL_UNKNOWN', `the default ${role} model "${id}" is not in the catalog`, {
      hint: 'fix "defaults" in your config.json (see `june models list --all`)',
    });
  return entry;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** The closest ids (by edit distance, or containing the query) for a "did you mean" hint. */
export function suggestIds(catalog: Catalog, query: string, max = 3): string[] {
  const q = query.toLowerCase();
  const scored = catalog.models.map((m) => {
    const names = [m.id, ...m.aliases];
    const tokens = q.split(/[-_.\s]+/).filter((t) => t.length >= 2);
    const best = Math.min(
      ...names.map((n) => {
        if (n.includes(q) || q.includes(n)) return 0;
        if (tokens.length > 1 && tokens.every((t) => n.includes(t))) return 1;
        return editDistance(q, n);
      }),
    );
    return {id: m.id, best};
  });
  const limit = Math.max(3, Math.floor(q.length / 3));
  return scored
    .filter((s) => s.best <= limit)
    .sort((a, b) => a.best - b.best)
    .slice(0, max)
    .map((s) => s.id);
}

export function unknownModelError(catalog: Catalog, ref: string): JuneError {
  const close = suggestIds(catalog, ref);
  const mean = close.length ? `did you mean ${close.map((c) => `"${c}"`).join(' or ')}? ` : '';
  return new JuneError('MODEL_UNKNOWN', `unknown model "${ref}"`, {
    hint: `${mean}\`june models list --all\` lists the catalog; a GGUF path or hf:owner/repo/file also works`,
  });
}

export interface HfRef {
  owner: string;
  repo: string;
  /** Path inside the repository (may contain directories). */
  path: string;
  /** The last path segment. */
  file: string;
}

/** Parses hf:owner/repo/path/to/file; undefined when the string is not an hf: URI. */
export function parseHfUri(uri: string): HfRef | undefined {
  if (!HF_URI.test(uri)) return undefined;
  const [owner, repo, ...rest] = uri.slice(3).split('/');
  const path = rest.join('/');
  const file = rest[rest.length - 1];
  if (!owner || !repo || !file || rest.some((s) => s === '' || s === '.' || s === '..')) return undefined;
  return {owner, repo, path, file};
}

/** The Hugging Face download URL of an hf: reference. */
export function hfResolveUrl(ref: HfRef, revision = 'main'): string {
  const enc = ref.path.split('/').map(encodeURIComponent).join('/');
  return `https://huggingface.co/${ref.owner}/${ref.repo}/resolve/${revision}/${enc}`;
}
