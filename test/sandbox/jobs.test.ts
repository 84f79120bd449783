import {describe, expect, it} from 'vitest';
import type {Problem} from '../../src/bench/problem.js';
import {DEFAULT_TEST_LIMITS, referenceKey, sampleJob, suiteBudgetMs, timeLimits, verdictFromResult} from '../../src/sandbox/jobs.js';
import {type RunnerResult, toPythonJson} from '../../src/sandbox/protocol.js';

const p: Problem = {dataset: 'humaneval+', taskId: 'T/1', prompt: '', entryPoint: 'f', referenceProgram: 'def f(x):\n    return x\n', io: {baseInputs: [[1], [2]], plusInputs: [[3]], atol: 0}};

describe('sandbox jobs (pure)', () => {
  it('time limits follow EvalPlus: max(min, factor × reference), suite capped at min(60 s, Σ) + 1 s', () => {
    expect(timeLimits([0.2, 400, 1000.1], DEFAULT_TEST_LIMITS)).toEqual([1000, 1600, 4001]);
    expect(suiteBudgetMs([1000, 1600], DEFAULT_TEST_LIMITS)).toBe(3600);
    expect(suiteBudgetMs(Array(100).fill(4000), DEFAULT_TEST_LIMITS)).toBe(61_000);
    expect(suiteBudgetMs([1000], {...DEFAULT_TEST_LIMITS, allInputs: true})).toBe(3000);
  });

  it('passes inputs to Python losslessly: source text when the loader kept it, else bigint/NaN-aware JSON', () => {
    expect(toPythonJson([[1n << 70n, Number.NaN, -Infinity, 1.5, 'a"b', null, {k: [true]}]])).toBe('[[1180591620717411303424, NaN, -Infinity, 1.5, "a\\"b", null, {"k": [true]}]]');
    const ref = {key: 'k', base: {outputs: [1, 2], timesMs: [1, 1], errors: 0}, plus: {outputs: [3], timesMs: [1], errors: 0}};
    const job = sampleJob({...p, io: {...p.io!, baseInputsJson: '[[1.0], [2]]'}}, {taskId: 'T/1', program: 'x'}, ref, DEFAULT_TEST_LIMITS, 'j', 0);
    expect(job.suites[0]!.inputs).toBe('[[1.0], [2]]');
    expect(job.suites[1]!.inputs).toBe('[[3]]');
    expect(job.memoryBytes).toBe(4 * 1024 ** 3);
  });

  it('the reference cache key changes with the program, the inputs and the runner', () => {
    const k = referenceKey(p, 'r1');
    expect(referenceKey(p, 'r2')).not.toBe(k);
    expect(referenceKey({...p, referenceProgram: p.referenceProgram + '\n'}, 'r1')).not.toBe(k);
    expect(referenceKey({...p, io: {...p.io!, plusInputsJson: '[[4]]'}}, 'r1')).not.toBe(k);
    expect(referenceKey(p, 'r1')).toBe(k);
  });

  it('a pass without every test observed is downgraded; strict fails non-plain returns', () => {
    const ref = {key: 'k', base: {outputs: [1, 2], timesMs: [1, 1], errors: 0}, plus: {outputs: [3], timesMs: [1], errors: 0}};
    const job = sampleJob(p, {taskId: 'T/1', program: 'x'}, ref, DEFAULT_TEST_LIMITS, 'j', 0);
    const suite = (testsRun: number, n: number) => ({status: 'pass' as const, failedTests: [], testsRun, testsTotal: n, reason: null, outputBytes: 0, output: ''});
    const r: RunnerResult = {type: 'result', id: 'j', suites: [suite(1, 2), suite(1, 1)], flags: [], wallMs: 1, poisoned: false};
    const v = verdictFromResult(job, r, 5, false);
    expect(v.base.status).toBe('fail');
    expect(v.plus?.status).toBe('pass');
    const flagged = verdictFromResult(job, {...r, suites: [suite(2, 2), suite(1, 1)], flags: ['non_plain_return']}, 5, true);
    expect(flagged.base.status).toBe('fail');
    expect(flagged.flags).toEqual(['non_plain_return']);
    expect(verdictFromResult(job, {...r, suites: [suite(2, 2), suite(1, 1)], flags: ['non_plain_return']}, 5, false).base.status).toBe('pass');
  });
});
