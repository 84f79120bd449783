/**
 * The unbiased pass@k estimator of Chen et al. (2021), ported from human-eval's
 * `estimate_pass_at_k` (human_eval/evaluation.py; EvalPlus uses the same code): for a task with n
 * samples of which c are correct, 1 - C(n-c, k) / C(n, k), computed in the product form
 * 1 - prod(1 - k / arange(n-c+1, n+1)) so that large n never overflows.
 */
import {JuneError} from '../errors.js';

/** pass@k of one task: n samples, c of them correct. */
export function estimatePassAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 0 || c < 0 || c > n || k < 1)
    throw new JuneError('INTERNAL', `pass@k needs integers 0 <= c <= n and k >= 1 (got n=${n}, c=${c}, k=${k})`);
  if (n - c < k) return 1.0;
  let prod = 1.0;
  for (let i = n - c + 1; i <= n; i++) prod *= 1.0 - k / i;
  return 1.0 - prod;
}

export interface TaskCount {
  /** samples scored for the task */
  n: number;
  /** of which correct */
  c: number;
}

/** The mean over tasks of each task's pass@k (human-eval: estimate_pass_at_k(total, correct, k).mean()). */
export function meanPassAtK(tasks: readonly TaskCount[], k: number): number {
  if (tasks.length === 0) throw new JuneError('INTERNAL', 'pass@k of no tasks');
  let sum = 0;
  for (const t of tasks) sum += estimatePassAtK(t.n, t.c, k);
  return sum / tasks.length;
}

/** The k values june reports by default (human-eval's and EvalPlus's). */
export const DEFAULT_KS = [1, 10, 100] as const;

/** The ks that may be reported: only k <= the smallest n over tasks (`if total.min() >= k`). */
export function reportableKs(tasks: readonly TaskCount[], ks: readonly number[] = DEFAULT_KS): number[] {
  if (tasks.length === 0) return [];
  const minN = Math.min(...tasks.map((t) => t.n));
  return ks.filter((k) => k <= minN);
}

/** pass@k for every reportable k, keyed by k as a string ("1", "10", …). */
export function passAtKTable(tasks: readonly TaskCount[], ks: readonly number[] = DEFAULT_KS): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of reportableKs(tasks, ks)) out[String(k)] = meanPassAtK(tasks, k);
  return out;
}
