/**
 * A stand-in for src/sandbox in unit tests of the evaluate core (the real sandbox is exercised by
 * test/commands/evaluate.test.ts). It never runs code: a sample passes when its program is the
 * problem's reference program, fails otherwise, and markers in the program ask for a timeout, a
 * flag, a base-only pass or a harness failure.
 */
import {setTimeout as sleep} from 'node:timers/promises';
import type {SampleEvaluator} from '../../../src/bench/evaluate/index.js';
import type {Problem} from '../../../src/bench/problem.js';
import type {SampleVerdict, SuiteResult, TestLimits} from '../../../src/sandbox/types.js';
import {JuneError} from '../../../src/errors.js';

function suite(ok: boolean | 'timeout', total: number): SuiteResult {
  if (ok === true) return {status: 'pass', failedTests: [], testsRun: total, testsTotal: total, reason: null};
  if (ok === 'timeout') return {status: 'timeout', failedTests: [0], testsRun: 0, testsTotal: total, reason: 'timeout after 4000 ms on test 0'};
  return {status: 'fail', failedTests: [0], testsRun: 1, testsTotal: total, reason: 'AssertionError'};
}

export class FakeSandbox implements SampleEvaluator {
  readonly calls: string[] = [];
  closed = false;
  constructor(private readonly opts: {delayMs?: number} = {}) {}

  async evaluate(problem: Problem, sample: {taskId: string; program: string}, limits: TestLimits, signal?: AbortSignal): Promise<SampleVerdict> {
    this.calls.push(sample.taskId);
    if (this.opts.delayMs) await sleep(this.opts.delayMs, undefined, {signal});
    signal?.throwIfAborted();
    const p = sample.program;
    if (p.includes('FAKE_HARNESS_DOWN')) throw new JuneError('SANDBOX_FAILURE', 'the sandbox container died', {hint: 'see docker logs'});
    const ok: boolean | 'timeout' = p.includes('FAKE_TIMEOUT') ? 'timeout' : p.startsWith(problem.referenceProgram) && !p.includes('FAKE_WRONG');
    const nBase = problem.io ? problem.io.baseInputs.length : (problem.scriptTests?.length ?? 1);
    const base = suite(p.includes('FAKE_PLUS_ONLY') ? false : ok, nBase);
    const plus = problem.io ? suite(p.includes('FAKE_BASE_ONLY') ? false : ok, problem.io.plusInputs.length) : null;
    return {
      base,
      plus,
      flags: p.includes('FAKE_FLAG') ? ['non_plain_return'] : [],
      timeLimitsMs: {base: Array(nBase).fill(limits.minTimeLimitMs), plus: problem.io ? Array(problem.io.plusInputs.length).fill(limits.minTimeLimitMs) : []},
      wallMs: 1,
      outputBytes: 0,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
