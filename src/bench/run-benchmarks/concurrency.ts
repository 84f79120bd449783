/**
 * How a benchmark run shares the machine: inference threads + sandbox parallelism ≤ cores, and
 * time limits calibrated under that very load, so a busy machine does not turn into spurious
 * timeouts (the sandbox's per-test limits are max(min, factor × the reference's own time), and the
 * reference times may have been measured on an idle machine).
 */
import {JuneError} from '../../errors.js';
import type {TestLimits} from '../../sandbox/types.js';

export interface ConcurrencyPlan {
  cores: number;
  /** null: an endpoint does the inference elsewhere. */
  generationThreads: number | null;
  sandboxParallel: number;
}

/**
 * - endpoint: the sandbox may use every core (default `cores`);
 * - embedded: a quarter of the cores (at least 1) score samples, the rest run inference.
 * Explicit --threads / --parallel are honoured but their sum must fit the cores (a one-core machine
 * gets 1 + 1: nothing smaller exists).
 */
export function planConcurrency(o: {cores: number; backend: 'embedded' | 'endpoint'; threads?: number; parallel?: number}): ConcurrencyPlan {
  const cores = Math.max(1, o.cores);
  if (o.backend === 'endpoint') return {cores, generationThreads: null, sandboxParallel: o.parallel ?? cores};
  if (cores === 1) return {cores, generationThreads: 1, sandboxParallel: 1};
  const sandboxParallel = o.parallel ?? Math.max(1, Math.min(cores - 1, Math.floor(cores / 4)));
  const generationThreads = o.threads ?? Math.max(1, cores - sandboxParallel);
  if (generationThreads + sandboxParallel > cores)
    throw new JuneError(
      'USAGE',
      `--threads ${generationThreads} + --parallel ${sandboxParallel} exceeds this machine's ${cores} cores (generation and scoring overlap)`,
      {hint: `keep threads + parallel ≤ ${cores}, e.g. --threads ${Math.max(1, cores - 1)} --parallel 1`},
    );
  return {cores, generationThreads, sandboxParallel};
}

/** The median of the loaded/idle wall-time ratios of the probes, never below 1 and at most 10. */
export function contentionFactor(probes: ReadonlyArray<{idleMs: number; loadedMs: number}>): number {
  const ratios = probes.filter((p) => p.idleMs > 0 && p.loadedMs > 0).map((p) => p.loadedMs / p.idleMs).sort((a, b) => a - b);
  if (ratios.length === 0) return 1;
  const mid = Math.floor(ratios.length / 2);
  const median = ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  return Math.min(10, Math.max(1, Math.round(median * 100) / 100));
}

/** The run's limits: the floor and the factor both scaled by the measured contention. */
export function calibratedLimits(base: TestLimits, contention: number): TestLimits {
  const c = Math.max(1, contention);
  return {
    ...base,
    minTimeLimitMs: Math.round(base.minTimeLimitMs * c),
    timeFactor: Math.round(base.timeFactor * c * 100) / 100,
    ...(base.suiteTimeoutMs !== undefined ? {suiteTimeoutMs: Math.round(base.suiteTimeoutMs * c)} : {}),
  };
}
