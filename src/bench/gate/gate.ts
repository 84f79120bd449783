/**
 * The benchmark gate: a run compared with a stored baseline, task by task.
 *
 * FAIL (exit 3) only when both hold:
 *   1. the measured drop in pass@1 is larger than --max-drop, and
 *   2. the exact paired test (sign-flip over tasks; exact McNemar with one sample per task) rejects
 *      "no change" at 5 % (two-sided), with the drop on the worse side.
 * Noise alone — a drop the test cannot tell from chance — never fails; the verdict then says how
 * small a drop this subset could detect and how many tasks it would take to detect --max-drop.
 */
import {JuneError} from '../../errors.js';
import type {Baseline, TaskOutcome} from './baseline.js';
import {
  mcnemarExactPValue,
  mean,
  minimumDetectableDrop,
  pairedBootstrapCi,
  planningSigmaD,
  sampleSd,
  signFlipPValue,
  tasksNeededFor,
} from './stats.js';

export const ALPHA = 0.05;
export const DEFAULT_MAX_DROP = 0.02;

/** What the gate knows about the current run. */
export interface GateRun {
  datasetId: string;
  datasetSha256: string;
  metric: 'base' | 'plus';
  seed: number;
  temperature: number;
  tasks: Record<string, TaskOutcome>;
}

export type GateReason =
  /** a significant drop larger than --max-drop */
  | 'regression'
  /** significant drop, but within --max-drop */
  | 'drop-within-tolerance'
  /** a drop larger than --max-drop that the test cannot tell from noise on this many tasks */
  | 'not-significant'
  /** significant improvement */
  | 'improved'
  /** no significant change */
  | 'no-significant-change';

export interface GateResult {
  verdict: 'pass' | 'fail';
  reason: GateReason;
  metric: 'base' | 'plus';
  /** Tasks present in both runs (the paired sample). */
  tasks: number;
  /** Baseline tasks the current run did not score (a subset run), and current tasks the baseline lacks. */
  missingTasks: number;
  extraTasks: number;
  baselinePassAt1: number;
  currentPassAt1: number;
  /** current − baseline; negative is a drop. */
  change: number;
  /** 95 % paired-bootstrap interval of `change`. */
  ci95: [number, number];
  test: 'mcnemar-exact' | 'sign-flip-exact';
  pValue: number;
  /** Tasks whose pass fraction fell / rose. */
  worse: number;
  better: number;
  maxDrop: number;
  /** The smallest drop this subset can detect at 5 % / 80 % power (see stats.minimumDetectableDrop). */
  minDetectableDrop: number;
  /** Tasks needed so that --max-drop is detectable at 5 % / 80 % power. */
  tasksNeeded: number;
  sigmaD: number;
  bootstrapSeed: number;
  warnings: string[];
  /** The one-line verdict. */
  line: string;
}

export interface GateOptions {
  maxDrop?: number;
  /** Seed of the bootstrap RNG (the run's seed by default, so reruns print the same interval). */
  seed?: number;
  resamples?: number;
}

function lcm(a: number, b: number): number {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  return (a / gcd(a, b)) * b;
}

export function compareWithBaseline(baseline: Baseline, run: GateRun, opts: GateOptions = {}): GateResult {
  const maxDrop = opts.maxDrop ?? DEFAULT_MAX_DROP;
  if (!(maxDrop >= 0 && maxDrop <= 1))
    throw new JuneError('USAGE', `--max-drop must be between 0 and 1 (got ${maxDrop})`, {hint: 'e.g. --max-drop 0.02 for 2 points'});
  if (baseline.dataset.id !== run.datasetId)
    throw new JuneError('BASELINE_MISMATCH', `the baseline is for ${baseline.dataset.id}, this run is ${run.datasetId}`, {
      hint: 'gate against a baseline of the same dataset',
    });
  if (baseline.dataset.sha256 !== run.datasetSha256)
    throw new JuneError(
      'BASELINE_MISMATCH',
      `the baseline's ${baseline.dataset.id} file (sha256 ${baseline.dataset.sha256.slice(0, 12)}…) differs from this run's (${run.datasetSha256.slice(0, 12)}…)`,
      {hint: 'write a new baseline with --write-baseline on the current dataset'},
    );
  if (baseline.metric !== run.metric)
    throw new JuneError('BASELINE_MISMATCH', `the baseline counts ${baseline.metric} verdicts, this run ${run.metric}`, {
      hint: 'write a new baseline with --write-baseline',
    });

  const shared = Object.keys(run.tasks).filter((t) => t in baseline.tasks);
  if (shared.length === 0)
    throw new JuneError('BASELINE_MISMATCH', 'the run and the baseline have no task in common', {
      hint: 'run the tasks the baseline holds (same --tasks/--limit), or write a new baseline',
    });
  const missingTasks = Object.keys(baseline.tasks).filter((t) => !(t in run.tasks)).length;
  const extraTasks = Object.keys(run.tasks).length - shared.length;

  const p = shared.map((t) => baseline.tasks[t]!.passed / baseline.tasks[t]!.n);
  const q = shared.map((t) => run.tasks[t]!.passed / run.tasks[t]!.n);
  const d = q.map((qi, i) => qi - p[i]!);
  const change = mean(d);
  const worse = d.filter((x) => x < 0).length;
  const better = d.filter((x) => x > 0).length;

  const nBase = Math.max(...shared.map((t) => baseline.tasks[t]!.n));
  const nCur = Math.max(...shared.map((t) => run.tasks[t]!.n));
  const binary = shared.every((t) => baseline.tasks[t]!.n === 1 && run.tasks[t]!.n === 1);
  let unit = 1;
  for (const t of shared) unit = lcm(lcm(unit, baseline.tasks[t]!.n), run.tasks[t]!.n);
  const pValue = binary ? mcnemarExactPValue(worse, better) : signFlipPValue(d, unit);
  const bootstrapSeed = opts.seed ?? run.seed;
  const ci95 = pairedBootstrapCi(d, {seed: bootstrapSeed, resamples: opts.resamples});

  const observedSd = sampleSd(d);
  const sigmaD = observedSd > 0 ? observedSd : planningSigmaD(p, Math.min(nBase, nCur));
  const step = Math.max(nBase, nCur);
  const minDetectableDrop = minimumDetectableDrop(sigmaD, shared.length, step);
  const tasksNeeded = tasksNeededFor(maxDrop, sigmaD, step);

  const drop = -change;
  const significant = pValue < ALPHA;
  let reason: GateReason;
  if (significant && drop > maxDrop) reason = 'regression';
  else if (significant && drop > 0) reason = 'drop-within-tolerance';
  else if (significant && change > 0) reason = 'improved';
  else if (drop > maxDrop) reason = 'not-significant';
  else reason = 'no-significant-change';
  const verdict = reason === 'regression' ? 'fail' : 'pass';

  const warnings: string[] = [];
  if (missingTasks > 0) warnings.push(`compared on ${shared.length} shared tasks; ${missingTasks} baseline tasks were not run`);
  if (baseline.seed !== run.seed) warnings.push(`seeds differ (baseline ${baseline.seed}, run ${run.seed})`);
  if (baseline.temperature !== run.temperature)
    warnings.push(`temperatures differ (baseline ${baseline.temperature}, run ${run.temperature})`);

  const result: Omit<GateResult, 'line'> = {
    verdict,
    reason,
    metric: run.metric,
    tasks: shared.length,
    missingTasks,
    extraTasks,
    baselinePassAt1: mean(p),
    currentPassAt1: mean(q),
    change,
    ci95,
    test: binary ? 'mcnemar-exact' : 'sign-flip-exact',
    pValue,
    worse,
    better,
    maxDrop,
    minDetectableDrop,
    tasksNeeded,
    sigmaD,
    bootstrapSeed,
    warnings,
  };
  return {...result, line: verdictLine(result)};
}

const f3 = (x: number): string => x.toFixed(3);
const signed = (x: number): string => (x >= 0 ? '+' : '−') + Math.abs(x).toFixed(3);
const pv = (x: number): string => (x < 0.001 ? x.toExponential(1) : x.toFixed(3));
function detectable(r: Omit<GateResult, 'line'>): string {
  const mde = r.minDetectableDrop > 1 ? 'no drop at all' : `drops ≥ ${f3(r.minDetectableDrop)}`;
  const need = Number.isFinite(r.tasksNeeded) ? `; ~${r.tasksNeeded} tasks to detect ${f3(r.maxDrop)}` : '';
  return `${r.tasks} tasks detect ${mde}${need}`;
}

export function verdictLine(r: Omit<GateResult, 'line'>): string {
  const head = `${r.metric} pass@1 ${f3(r.baselinePassAt1)} → ${f3(r.currentPassAt1)} (${signed(r.change)}, 95% CI [${signed(r.ci95[0])}, ${signed(r.ci95[1])}], ${r.worse} worse / ${r.better} better, p=${pv(r.pValue)})`;
  switch (r.reason) {
    case 'regression':
      return `Gate FAIL: ${head}: drop > max-drop ${f3(r.maxDrop)} and significant at 5%; ${detectable(r)}`;
    case 'drop-within-tolerance':
      return `Gate PASS: ${head}: a real drop, within max-drop ${f3(r.maxDrop)}; ${detectable(r)}`;
    case 'improved':
      return `Gate PASS: ${head}: improved; ${detectable(r)}`;
    case 'not-significant':
      return `Gate PASS (inconclusive): ${head}: drop > max-drop ${f3(r.maxDrop)} but not significant at 5%; ${detectable(r)}`;
    case 'no-significant-change':
      return `Gate PASS: ${head}: no significant change; ${detectable(r)}`;
  }
}

export interface BaselinePlan {
  tasks: number;
  sigmaD: number;
  minDetectableDrop: number;
  tasksNeeded: number;
  maxDrop: number;
  line: string;
}

/**
 * What a gate against this baseline will be able to detect, before any comparison: σ_d from the
 * baseline alone (stats.planningSigmaD), so users can size the subset when they write it.
 */
export function planFromBaseline(baseline: Baseline, maxDrop = DEFAULT_MAX_DROP): BaselinePlan {
  const outcomes = Object.values(baseline.tasks);
  const n = Math.min(...outcomes.map((t) => t.n));
  const sigmaD = planningSigmaD(
    outcomes.map((t) => t.passed / t.n),
    n,
  );
  const minDetectableDrop = minimumDetectableDrop(sigmaD, outcomes.length, n);
  const tasksNeeded = tasksNeededFor(maxDrop, sigmaD, n);
  const mde = minDetectableDrop > 1 ? 'no drop at all' : `drops ≥ ${f3(minDetectableDrop)}`;
  const line =
    `Baseline: ${baseline.metric} pass@1 ${f3(baseline.passAt1)} on ${outcomes.length} tasks, n=${n}; ` +
    `a gate on these tasks detects ${mde} (5% level, 80% power, σ_d≈${f3(sigmaD)}); ` +
    `~${Number.isFinite(tasksNeeded) ? tasksNeeded : '∞'} tasks to detect ${f3(maxDrop)}`;
  return {tasks: outcomes.length, sigmaD, minDetectableDrop, tasksNeeded, maxDrop, line};
}
