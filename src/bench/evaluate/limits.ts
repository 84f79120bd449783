/** The per-test limits evaluate applies by default, EvalPlus's where it has them. */
import type {TestLimits} from '../../sandbox/types.js';

export const DEFAULT_LIMITS: TestLimits = {
  /** EvalPlus --min-time-limit (seconds there): 4 s. */
  minTimeLimitMs: 4000,
  /** EvalPlus --gt-time-limit-factor: 4 × the reference program's own time on each input. */
  timeFactor: 4,
  /** EvalPlus's reliability_guard: 4 GiB per test process. */
  memoryBytes: 4 * 1024 ** 3,
  outputBytes: 1024 * 1024,
  allInputs: false,
};
