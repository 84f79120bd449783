/** datasets/datasets.json: the pinned source, sha256 and size of every benchmark dataset file. */
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {z} from 'zod';
import {DATASET_IDS, type DatasetId} from '../problem.js';
import {JuneError} from '../../errors.js';
import {describeZodIssue} from '../../config.js';

export const DatasetEntrySchema = z
  .object({
    id: z.enum(DATASET_IDS),
    name: z.string().min(1),
    /** File name under datasets/ (june's home and mirror roots). */
    file: z.string().regex(/^[A-Za-z0-9._+-]+$/),
    url: z.string().url(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    bytes: z.number().int().positive(),
    version: z.string().min(1),
    license: z.string().min(1),
    tasks: z.number().int().positive(),
  })
  .strict();
export type DatasetEntry = z.infer<typeof DatasetEntrySchema>;

export const DatasetManifestSchema = z
  .object({
    $comment: z.string().optional(),
    datasets: z.array(DatasetEntrySchema),
  })
  .strict();

/** The manifest shipped with june (package root datasets/datasets.json). */
export const MANIFEST_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'datasets', 'datasets.json');

let cached: DatasetEntry[] | undefined;

export function datasetManifest(): DatasetEntry[] {
  if (cached) return cached;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
  } catch (err) {
    throw new JuneError('INTERNAL', `cannot read the dataset manifest ${MANIFEST_PATH}: ${(err as Error).message}`, {
      hint: 'reinstall june',
    });
  }
  const parsed = DatasetManifestSchema.safeParse(raw);
  if (!parsed.success)
    throw new JuneError('INTERNAL', `dataset manifest ${MANIFEST_PATH}: ${describeZodIssue(parsed.error)}`, {hint: 'reinstall june'});
  cached = parsed.data.datasets;
  return cached;
}

export function isDatasetId(id: string): id is DatasetId {
  return (DATASET_IDS as readonly string[]).includes(id);
}

/** The manifest entry of a dataset id; DATASET_UNKNOWN (naming the known ids) otherwise. */
export function datasetEntry(id: string): DatasetEntry {
  const entry = isDatasetId(id) ? datasetManifest().find((d) => d.id === id) : undefined;
  if (!entry)
    throw new JuneError('DATASET_UNKNOWN', `unknown dataset "${id}"`, {hint: `use one of: ${DATASET_IDS.join(', ')}`});
  return entry;
}
