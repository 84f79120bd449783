/**
 * Two runs side by side (`june report RUN --compare RUN2`): the paired comparison the gate makes,
 * with RUN2 as the reference and RUN as the candidate, plus the tasks that changed.
 */
import {BASELINE_FORMAT, type Baseline} from '../gate/baseline.js';
import {compareWithBaseline, type GateResult} from '../gate/gate.js';
import {DATASET_IDS, type DatasetId} from '../problem.js';
import {JuneError} from '../../errors.js';
import type {ReportData} from './types.js';

export interface RunComparison {
  /** The reference run (--compare) and the candidate (the run being reported). */
  referenceRunId: string;
  candidateRunId: string;
  gate: GateResult;
  /** Tasks whose pass fraction changed: candidate − reference. */
  changed: Array<{taskId: string; reference: number; candidate: number}>;
}

function outcomes(r: ReportData): Record<string, {n: number; passed: number}> {
  const out: Record<string, {n: number; passed: number}> = {};
  for (const t of r.tasks)
    if (t.n > 0) out[t.taskId] = {n: t.n, passed: r.metric === 'plus' ? (t.plusPassed ?? 0) : t.basePassed};
  return out;
}

/** A gate baseline made from a run's report data (what --write-baseline stores). */
export function baselineFromReport(r: ReportData, now = new Date()): Baseline {
  if (!(DATASET_IDS as readonly string[]).includes(r.dataset.id))
    throw new JuneError('BAD_INPUT', `run ${r.runId} has an unknown dataset ${r.dataset.id}`);
  const tasks = outcomes(r);
  const fr = Object.values(tasks).map((t) => t.passed / t.n);
  if (fr.length === 0)
    throw new JuneError('BAD_INPUT', `run ${r.runId} has no scored task`, {hint: 'finish the run (--resume) before writing a baseline'});
  return {
    format: BASELINE_FORMAT,
    createdAt: now.toISOString(),
    runId: r.runId,
    dataset: {id: r.dataset.id as DatasetId, sha256: r.dataset.sha256},
    metric: r.metric,
    model: {id: r.model.id, sha256: r.model.sha256, endpoint: r.model.backend === 'endpoint' ? r.model.source : null},
    n: r.settings.n,
    seed: r.settings.seed,
    temperature: r.settings.temperature,
    topP: r.settings.topP,
    passAt1: fr.reduce((a, b) => a + b, 0) / fr.length,
    tasks,
  };
}

export function compareRuns(candidate: ReportData, reference: ReportData, opts: {maxDrop?: number} = {}): RunComparison {
  const gate = compareWithBaseline(
    baselineFromReport(reference),
    {
      datasetId: candidate.dataset.id,
      datasetSha256: candidate.dataset.sha256,
      metric: candidate.metric,
      seed: candidate.settings.seed,
      temperature: candidate.settings.temperature,
      tasks: outcomes(candidate),
    },
    {maxDrop: opts.maxDrop},
  );
  const ref = outcomes(reference);
  const cand = outcomes(candidate);
  const changed: RunComparison['changed'] = [];
  for (const t of candidate.tasks) {
    const a = ref[t.taskId];
    const b = cand[t.taskId];
    if (!a || !b) continue;
    const ra = a.passed / a.n;
    const rb = b.passed / b.n;
    if (ra !== rb) changed.push({taskId: t.taskId, reference: ra, candidate: rb});
  }
  return {referenceRunId: reference.runId, candidateRunId: candidate.runId, gate, changed};
}
