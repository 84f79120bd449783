/** The per-test limits evaluate applies by default: the sandbox's (EvalPlus's current 4 s floor, ×4, 4 GiB). */
import type {TestLimits} from '../../sandbox/types.js';
import {DEFAULT_TEST_LIMITS} from '../../sandbox/jobs.js';

export const DEFAULT_LIMITS: TestLimits = DEFAULT_TEST_LIMITS;

/** The flags that harden a verdict under --strict (the harness flags; default verdicts stay the reference harness's). */
export const STRICT_FLAGS: readonly string[] = ['non_plain_return', 'unverified_script'];
