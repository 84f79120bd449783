/**
 * Pure pieces of evaluation: which tests a problem has, the per-test time limits (EvalPlus:
 * max(minimum, factor × the reference's own time on that test)), the job sent to the runner, and
 * the verdict assembled from the runner's answer. No Docker, no I/O: unit-tested directly.
 */
import {createHash} from 'node:crypto';
import {z} from 'zod';
import {type Job, type JobSuite, type RunnerResult, type RunnerSuite, toPythonJson} from './protocol.js';
import type {SampleVerdict, SandboxProblem, SandboxSample, SuiteResult, TestLimits} from './types.js';

/**
 * EvalPlus's current defaults: per test max(4 s, 4 × the reference's time), 4 GiB per test process.
 * Sources: evalplus/config.py on main (DEFAULT_MIN_TIME_LIMIT = 4.0, DEFAULT_GT_TIME_LIMIT_FACTOR =
 * 4.0) and docs/execution.md ("--min-time-limit; default to 4s", "--gt-time-limit-factor (default to
 * 4)", memory "min(4GB, system_maximum)"); releases before it used a 1 s floor, which under load
 * timed out canonical solutions (HumanEval/100, Mbpp/599 at ~2 s). Output kept: 64 KiB.
 */
export const DEFAULT_TEST_LIMITS: TestLimits = {
  minTimeLimitMs: 4000,
  timeFactor: 4,
  memoryBytes: 4 * 1024 ** 3,
  outputBytes: 64 * 1024,
  allInputs: false,
};

/** EvalPlus caps one suite at EVALPLUS_TIMEOUT_PER_TASK (60 s) + 1 s whatever the per-test limits add up to. */
export const DEFAULT_SUITE_TIMEOUT_MS = 60_000;
/** A reference run may take this long per suite (trusted code, but a bad dataset must not hang june). */
export const REFERENCE_BUDGET_MS = 600_000;

/**
 * The reference program's outputs and times (ms), per suite. `outputsJson` is the runner's JSON
 * text of the encoded outputs, opaque to the host: kept, cached and sent back byte for byte, never
 * parsed here (a JS number cannot hold 2**60 + 1 nor tell 1.2345678901234567e19 from an int).
 */
const ReferenceSuiteSchema = z.object({
  outputsJson: z.string(),
  count: z.number().int().nonnegative(),
  timesMs: z.array(z.number().nonnegative()),
  errors: z.number().int().nonnegative(),
});
export const ReferenceSchema = z.object({key: z.string(), base: ReferenceSuiteSchema, plus: ReferenceSuiteSchema.nullable()});
export type ReferenceSuite = z.infer<typeof ReferenceSuiteSchema>;
export type Reference = z.infer<typeof ReferenceSchema>;

export type TestKind = 'io' | 'script';

export function testKind(problem: SandboxProblem): TestKind {
  if (problem.io) return 'io';
  if (problem.scriptTests && problem.scriptTests.length > 0) return 'script';
  throw new TypeError(`problem ${problem.taskId} has neither io nor script tests`);
}

export function family(problem: SandboxProblem): 'humaneval' | 'mbpp' {
  return problem.dataset.startsWith('mbpp') ? 'mbpp' : 'humaneval';
}

function inputsText(json: string | undefined, values: unknown[][]): string {
  return json ?? toPythonJson(values);
}

/** The cache key of a problem's reference run: everything that can change its outputs or times. */
export function referenceKey(problem: SandboxProblem, runnerHash: string): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({
    runner: runnerHash,
    dataset: problem.dataset,
    entryPoint: problem.entryPoint,
    program: problem.referenceProgram,
    base: problem.io ? inputsText(problem.io.baseInputsJson, problem.io.baseInputs) : null,
    plus: problem.io ? inputsText(problem.io.plusInputsJson, problem.io.plusInputs) : null,
    deserialize: problem.io?.deserializeInputs ?? null,
    scripts: problem.io ? null : (problem.scriptTests ?? null),
  }));
  return h.digest('hex');
}

export function referenceJob(problem: SandboxProblem, id: string, slot: number): Job {
  const base = {type: 'job' as const, id, slot, program: problem.referenceProgram, entryPoint: problem.entryPoint, family: family(problem), taskId: problem.taskId, memoryBytes: null, outputBytes: 4096};
  if (testKind(problem) === 'io') {
    const io = problem.io!;
    return {
      ...base,
      deserializeInputs: io.deserializeInputs,
      suites: [
        {kind: 'ref-io', n: io.baseInputs.length, budgetMs: REFERENCE_BUDGET_MS, inputs: inputsText(io.baseInputsJson, io.baseInputs)},
        {kind: 'ref-io', n: io.plusInputs.length, budgetMs: REFERENCE_BUDGET_MS, inputs: inputsText(io.plusInputsJson, io.plusInputs)},
      ],
    };
  }
  const scripts = problem.scriptTests!;
  return {...base, suites: [{kind: 'ref-script', n: scripts.length, budgetMs: REFERENCE_BUDGET_MS, scripts}]};
}

export function referenceFromResult(key: string, problem: SandboxProblem, r: RunnerResult): Reference {
  const suite = (s: RunnerSuite | undefined, n: number) => {
    if (!s?.ref || s.ref.count !== n || s.ref.times.length !== n)
      throw new Error(`reference run of ${problem.taskId} returned ${s?.ref?.count ?? 0} of ${n} results (${s?.reason ?? 'no reason'})`);
    return {outputsJson: s.ref.outputsJson, count: n, timesMs: s.ref.times.map((t) => t * 1000), errors: s.ref.errors};
  };
  if (testKind(problem) === 'io')
    return {key, base: suite(r.suites[0], problem.io!.baseInputs.length), plus: suite(r.suites[1], problem.io!.plusInputs.length)};
  return {key, base: suite(r.suites[0], problem.scriptTests!.length), plus: null};
}

/** Per-test limit: max(minimum, factor × reference time), whole milliseconds. */
export function timeLimits(refTimesMs: number[], limits: TestLimits): number[] {
  return refTimesMs.map((t) => Math.ceil(Math.max(limits.minTimeLimitMs, limits.timeFactor * t)));
}

/**
 * A script suite judged under the floor must be rerun under its true limits when they are higher
 * anywhere: a per-test limit, and with it the suite's budget (Σ limits + 1 s), which can end the
 * process on any test. Equal limits mean the same job, so the floor run's verdict stands.
 */
export function needsRerun(appliedMs: number[], trueMs: number[]): boolean {
  return trueMs.some((t, i) => t > (appliedMs[i] ?? 0));
}

/** EvalPlus: min(per-suite cap, Σ limits) + 1 s, and 1 s more when every input runs. */
export function suiteBudgetMs(testLimitsMs: number[], limits: TestLimits): number {
  const sum = testLimitsMs.reduce((a, b) => a + b, 0);
  return Math.min(limits.suiteTimeoutMs ?? DEFAULT_SUITE_TIMEOUT_MS, sum) + 1000 + (limits.allInputs ? 1000 : 0);
}

/**
 * The sample's job. `ref` null (script suites only) runs every test under the floor
 * (limits.minTimeLimitMs): the lazy first run of a script suite whose reference is not cached yet.
 */
export function sampleJob(problem: SandboxProblem, sample: SandboxSample, ref: Reference | null, limits: TestLimits, id: string, slot: number): Job {
  const common = {
    type: 'job' as const,
    id,
    slot,
    program: sample.program,
    entryPoint: problem.entryPoint,
    family: family(problem),
    taskId: problem.taskId,
    memoryBytes: limits.memoryBytes > 0 ? limits.memoryBytes : null,
    outputBytes: limits.outputBytes,
    allInputs: limits.allInputs,
    strict: limits.strict ?? false,
  };
  if (testKind(problem) === 'io') {
    if (!ref) throw new TypeError(`sampleJob: io problem ${problem.taskId} needs its reference outputs`);
    const io = problem.io!;
    const suite = (inputs: string, r: ReferenceSuite): JobSuite => {
      const tl = timeLimits(r.timesMs, limits);
      return {kind: 'io', n: r.count, budgetMs: suiteBudgetMs(tl, limits), timeLimitsMs: tl, inputs, expectedJson: r.outputsJson};
    };
    return {
      ...common,
      atol: io.atol,
      deserializeInputs: io.deserializeInputs,
      suites: [suite(inputsText(io.baseInputsJson, io.baseInputs), ref.base), suite(inputsText(io.plusInputsJson, io.plusInputs), ref.plus!)],
    };
  }
  const tl = timeLimits(ref ? ref.base.timesMs : problem.scriptTests!.map(() => 0), limits);
  // HumanEval's check() uses helpers its prompt defines (encode_cyclic, poly): the checker runs the
  // prompt (dataset text, trusted) first; MBPP's test_setup_code is already part of each test
  const prelude = family(problem) === 'humaneval' && problem.prompt.trim() !== '' ? {checkerPrelude: problem.prompt} : {};
  return {...common, ...prelude, suites: [{kind: 'script', n: tl.length, budgetMs: suiteBudgetMs(tl, {...limits, suiteTimeoutMs: Number.POSITIVE_INFINITY}), timeLimitsMs: tl, scripts: problem.scriptTests!}]};
}

function toSuite(s: RunnerSuite): SuiteResult {
  return {status: s.status, failedTests: s.failedTests, testsRun: s.testsRun, testsTotal: s.testsTotal, reason: s.reason};
}

/** The verdict from the runner's result; a pass needs every test observed complete (re-checked here). */
export function verdictFromResult(job: Job, r: RunnerResult, wallMs: number, strict: boolean): SampleVerdict {
  const suites = r.suites.map((s, i) => {
    const v = toSuite(s);
    const n = job.suites[i]?.n ?? -1;
    if (v.status === 'pass' && (v.testsRun !== n || v.testsTotal !== n || v.failedTests.length > 0))
      return {...v, status: 'fail' as const, reason: `harness: pass claimed with ${v.testsRun}/${n} tests observed`};
    return v;
  });
  const flags = [...r.flags];
  const strictFail = (v: SuiteResult): SuiteResult =>
    strict && v.status === 'pass' && flags.includes('non_plain_return')
      ? {...v, status: 'fail', reason: 'non-plain return value (strict)'}
      : strict && v.status === 'pass' && flags.includes('unverified_script')
        ? {...v, status: 'fail', reason: 'unverified script test (strict)'}
        : v;
  const base = strictFail(suites[0]!);
  const plus = suites[1] ? strictFail(suites[1]) : null;
  const output = r.suites.map((s) => s.output).join('');
  return {
    base,
    plus,
    flags,
    timeLimitsMs: {base: job.suites[0]?.timeLimitsMs ?? [], plus: job.suites[1]?.timeLimitsMs ?? []},
    wallMs,
    outputBytes: r.suites.reduce((a, s) => a + s.outputBytes, 0),
    output,
  };
}

/** A verdict for a sample the sandbox could not judge because its container died under it, twice. */
export function crashVerdict(job: Job, why: string, wallMs: number): SampleVerdict {
  const suite = (s: JobSuite | undefined): SuiteResult | null =>
    s ? {status: 'fail', failedTests: [], testsRun: 0, testsTotal: s.n, reason: `sandbox container died while running this sample: ${why}`} : null;
  return {
    base: suite(job.suites[0])!,
    plus: suite(job.suites[1]),
    flags: ['sandbox_crash'],
    timeLimitsMs: {base: job.suites[0]?.timeLimitsMs ?? [], plus: job.suites[1]?.timeLimitsMs ?? []},
    wallMs,
    outputBytes: 0,
  };
}

/** How long the host waits for a job's answer before it declares the container wedged. */
export function watchdogMs(job: Job): number {
  return job.suites.reduce((a, s) => a + s.budgetMs + 3000, 0) + 15_000;
}
