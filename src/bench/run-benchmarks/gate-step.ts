/**
 * The gate and the baseline, applied to a finished run directory: `--write-baseline FILE` stores the
 * run's per-task counts, `--gate FILE` compares the run with one (src/bench/gate).
 */
import {readBaseline, writeBaseline} from '../gate/baseline.js';
import {type BaselinePlan, compareWithBaseline, type GateResult, planFromBaseline} from '../gate/gate.js';
import {baselineFromReport} from '../report/compare.js';
import type {ReportData} from '../report/types.js';

export interface GateStepResult {
  gate: GateResult | null;
  baseline: (BaselinePlan & {path: string}) | null;
}

export async function gateStep(
  data: ReportData,
  opts: {gate?: string; maxDrop?: number; writeBaseline?: string},
): Promise<GateStepResult> {
  let baseline: GateStepResult['baseline'] = null;
  if (opts.writeBaseline) {
    const b = baselineFromReport(data);
    await writeBaseline(opts.writeBaseline, b);
    baseline = {...planFromBaseline(b, opts.maxDrop), path: opts.writeBaseline};
  }
  let gate: GateResult | null = null;
  if (opts.gate) {
    const b = await readBaseline(opts.gate);
    const tasks: Record<string, {n: number; passed: number}> = {};
    for (const t of data.tasks)
      if (t.n > 0) tasks[t.taskId] = {n: t.n, passed: data.metric === 'plus' ? (t.plusPassed ?? 0) : t.basePassed};
    gate = compareWithBaseline(
      b,
      {
        datasetId: data.dataset.id,
        datasetSha256: data.dataset.sha256,
        metric: data.metric,
        seed: data.settings.seed,
        temperature: data.settings.temperature,
        tasks,
      },
      {maxDrop: opts.maxDrop},
    );
  }
  return {gate, baseline};
}
