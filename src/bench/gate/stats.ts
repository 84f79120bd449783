/**
 * The statistics of the benchmark gate: paired comparisons over tasks, all pure and seeded.
 *
 * Each task i has a pass fraction in the baseline (p_i = passed/n) and in the current run (q_i); the
 * paired difference is d_i = q_i − p_i and the change in pass@1 is mean(d).
 *
 * - Confidence interval: percentile paired bootstrap over tasks (resample tasks with replacement,
 *   B = 10 000 by default, seeded RNG so a rerun prints the same interval).
 * - Test of "no change": the exact paired sign-flip (randomization) test over tasks. Under the null,
 *   each task's difference is as likely to have either sign, so the sum of d has the distribution of
 *   Σ ±|d_i|, computed exactly by dynamic programming on the integer lattice of the d_i. With one
 *   sample per task (d_i ∈ {−1, 0, 1}) this *is* the exact McNemar test on the discordant tasks.
 *   It is exact for any number of tasks, which the bootstrap is not: a 5-task bootstrap can exclude
 *   zero while no test could honestly call 5 tasks significant.
 */

/** Standard normal quantiles used below: z_{0.975} and z_{0.80}. */
export const Z_975 = 1.959963984540054;
export const Z_80 = 0.8416212335729143;

/** mulberry32: a small, well-distributed 32-bit PRNG; deterministic for a seed. Returns [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Sample standard deviation (N − 1 in the denominator); 0 for fewer than 2 values. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

/** Percentile of sorted values with linear interpolation (numpy's default). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** 95 % percentile-bootstrap interval of mean(d), resampling tasks with replacement. */
export function pairedBootstrapCi(
  diffs: readonly number[],
  opts: {seed: number; resamples?: number; level?: number},
): [number, number] {
  const n = diffs.length;
  if (n === 0) return [NaN, NaN];
  const B = opts.resamples ?? 10_000;
  const level = opts.level ?? 0.95;
  const rand = mulberry32(opts.seed);
  const means = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += diffs[Math.floor(rand() * n)]!;
    means[b] = s / n;
  }
  means.sort();
  const arr = Array.from(means);
  return [percentile(arr, (1 - level) / 2), percentile(arr, 1 - (1 - level) / 2)];
}

/**
 * Exact two-sided sign-flip test of "mean difference = 0". `diffs` must be multiples of 1/`unit`
 * (with pass fractions k/n_base and k/n_current, unit = n_base · n_current works).
 * p = P(|Σ s_i a_i| ≥ |Σ a_i|) over independent fair signs s_i, with a_i = unit · d_i as integers.
 */
export function signFlipPValue(diffs: readonly number[], unit: number): number {
  const a = diffs.map((d) => Math.abs(Math.round(d * unit))).filter((x) => x !== 0);
  const observed = Math.abs(diffs.reduce((s, d) => s + Math.round(d * unit), 0));
  if (a.length === 0) return 1;
  const total = a.reduce((s, x) => s + x, 0);
  // dist[k + total] = P(Σ s_i a_i = k), built one task at a time
  let dist = new Float64Array(2 * total + 1);
  dist[total] = 1;
  let reach = 0;
  for (const x of a) {
    const next = new Float64Array(2 * total + 1);
    for (let k = -reach; k <= reach; k++) {
      const p = dist[k + total]!;
      if (p === 0) continue;
      next[k + x + total]! += p / 2;
      next[k - x + total]! += p / 2;
    }
    reach += x;
    dist = next;
  }
  let p = 0;
  for (let k = -total; k <= total; k++) if (Math.abs(k) >= observed) p += dist[k + total]!;
  return Math.min(1, p);
}

/** Exact two-sided McNemar test: b tasks got worse, c got better (one sample per task). */
export function mcnemarExactPValue(b: number, c: number): number {
  const m = b + c;
  if (m === 0) return 1;
  const k = Math.min(b, c);
  // 2 · P(X ≤ k), X ~ Binomial(m, 1/2), in logs to stay finite for large m
  let logC = 0; // log C(m, 0)
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(m - i + 1) - Math.log(i);
    tail += Math.exp(logC - m * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}

/** The fewest same-direction moves for which an exact two-sided sign test can reach p < alpha: 2^(1−k) < alpha. */
export function minMovesForSignificance(alpha = 0.05): number {
  return Math.ceil(1 - Math.log2(alpha) + 1e-12);
}

/**
 * Minimum detectable effect (drop in pass@1) of the paired design at two-sided α = 5 % and 80 % power:
 *
 *     MDE = (z_{1−α/2} + z_{1−β}) · σ_d / √N  =  (1.95996 + 0.84162) · σ_d / √N  ≈  2.8016 · σ_d / √N
 *
 * where σ_d is the standard deviation of the per-task differences and N the number of paired tasks
 * (the usual normal-approximation sample-size formula for a paired mean). It is floored by what the
 * exact test can ever reach: with one step of 1/n per task, at least k = 6 tasks must move the same way
 * (2^(1−6) = 0.031 < 0.05), so no drop smaller than 6 / (N · n) can be significant.
 */
export function minimumDetectableDrop(sigmaD: number, tasks: number, samplesPerTask: number): number {
  if (tasks <= 0) return Infinity;
  const power = ((Z_975 + Z_80) * sigmaD) / Math.sqrt(tasks);
  const floor = minMovesForSignificance() / (tasks * samplesPerTask);
  return Math.max(power, floor);
}

/** Tasks needed for the MDE to reach `drop` (same σ_d and n). */
export function tasksNeededFor(drop: number, sigmaD: number, samplesPerTask: number): number {
  if (drop <= 0) return Infinity;
  const power = Math.ceil((((Z_975 + Z_80) * sigmaD) / drop) ** 2);
  const floor = Math.ceil(minMovesForSignificance() / (drop * samplesPerTask));
  return Math.max(power, floor);
}

/**
 * σ_d for planning, from one run only (no comparison yet): the SD of the difference between two
 * independent runs of the same model. Each task's pass fraction from n samples has variance
 * π_i(1−π_i)/n, estimated without bias by p_i(1−p_i)/(n−1); the difference of two runs doubles it.
 * With n = 1 a task's own rate cannot be estimated, so tasks are taken as exchangeable at the overall
 * rate π̄ (the most a 0/1 difference can vary: σ_d² = 2 π̄(1−π̄)).
 */
export function planningSigmaD(fractions: readonly number[], samplesPerTask: number): number {
  if (fractions.length === 0) return 0;
  if (samplesPerTask <= 1) {
    const pi = mean(fractions);
    return Math.sqrt(2 * pi * (1 - pi));
  }
  const v = mean(fractions.map((p) => (p * (1 - p)) / (samplesPerTask - 1)));
  return Math.sqrt(2 * v);
}
