/**
 * Benchmark datasets: `loadDataset(id)` fetches the pinned file on first use (see store.ts),
 * checks its sha256 and returns its problems, each validated with zod.
 */
import type {DatasetId, Problem} from '../problem.js';
import {JuneError} from '../../errors.js';
import {evalPlusProblems} from './evalplus.js';
import {humanEvalProblems} from './humaneval.js';
import {readJsonlLines} from './jsonl.js';
import {type DatasetEntry, datasetEntry} from './manifest.js';
import {mbppProblems} from './mbpp.js';
import {type DatasetStoreOptions, ensureDatasetFile} from './store.js';

export {DATASET_IDS} from '../problem.js';
export {datasetEntry, datasetManifest, isDatasetId, type DatasetEntry} from './manifest.js';
export {ensureDatasetFile, listDatasets, sha256File, type DatasetStatus, type DatasetStoreOptions} from './store.js';
export {mbppPrompt, MBPP_STOP, MBPP_TEST_SPLIT} from './mbpp.js';
export {humanEvalCheck} from './humaneval.js';

export interface LoadedDataset {
  id: DatasetId;
  entry: DatasetEntry;
  path: string;
  sha256: string;
  problems: Problem[];
  byTaskId: Map<string, Problem>;
}

/** Parses a dataset file already on disk (no sha256 check: see loadDataset). */
export async function parseDatasetFile(id: DatasetId, path: string): Promise<Problem[]> {
  const lines = await readJsonlLines(path, `reading dataset ${id}`);
  switch (id) {
    case 'humaneval':
      return humanEvalProblems(lines, path);
    case 'humaneval+':
    case 'mbpp+':
      return evalPlusProblems(id, lines, path);
    case 'mbpp':
      return mbppProblems(lines, path);
  }
}

export function indexProblems(problems: Problem[], file: string): Map<string, Problem> {
  const byTaskId = new Map<string, Problem>();
  for (const p of problems) {
    if (byTaskId.has(p.taskId))
      throw new JuneError('DATASET_INVALID', `${file}: duplicate task id ${p.taskId}`, {
        hint: 'the dataset file is corrupt or not the pinned release: delete it and run `june datasets pull`',
      });
    byTaskId.set(p.taskId, p);
  }
  return byTaskId;
}

/** The problems of a dataset, fetched into june's home on first use and sha256-checked. */
export async function loadDataset(id: string, opts: DatasetStoreOptions): Promise<LoadedDataset> {
  const entry = datasetEntry(id);
  const file = await ensureDatasetFile(entry, opts);
  const problems = await parseDatasetFile(entry.id, file.path);
  return {id: entry.id, entry, path: file.path, sha256: file.sha256, problems, byTaskId: indexProblems(problems, file.path)};
}
