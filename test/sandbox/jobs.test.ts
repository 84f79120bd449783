import {describe, expect, it} from 'vitest';
import type {SandboxProblem as Problem} from '../../src/sandbox/types.js';
import {DEFAULT_TEST_LIMITS, ReferenceSchema, referenceFromResult, referenceJob, referenceKey, sampleJob, suiteBudgetMs, timeLimits, verdictFromResult} from '../../src/sandbox/jobs.js';
import {type RunnerResult, RunnerMessageSchema, toPythonJson} from '../../src/sandbox/protocol.js';

const p: Problem = {dataset: 'humaneval+', taskId: 'T/1', prompt: '', entryPoint: 'f', referenceProgram: 'def f(x):\n    return x\n', io: {baseInputs: [[1], [2]], plusInputs: [[3]], atol: 0}};

describe('sandbox jobs (pure)', () => {
  it('time limits follow EvalPlus: max(min, factor × reference), suite capped at min(60 s, Σ) + 1 s', () => {
    // EvalPlus's current defaults (evalplus/config.py, docs/execution.md): 4 s floor, ×4, 4 GiB
    expect(DEFAULT_TEST_LIMITS).toMatchObject({minTimeLimitMs: 4000, timeFactor: 4, memoryBytes: 4 * 1024 ** 3});
    expect(timeLimits([0.2, 400, 1000.1, 1500], DEFAULT_TEST_LIMITS)).toEqual([4000, 4000, 4001, 6000]);
    expect(timeLimits([0.2, 400, 1000.1], {...DEFAULT_TEST_LIMITS, minTimeLimitMs: 1000})).toEqual([1000, 1600, 4001]);
    expect(suiteBudgetMs([1000, 1600], DEFAULT_TEST_LIMITS)).toBe(3600);
    expect(suiteBudgetMs(Array(100).fill(4000), DEFAULT_TEST_LIMITS)).toBe(61_000);
    expect(suiteBudgetMs([1000], {...DEFAULT_TEST_LIMITS, allInputs: true})).toBe(3000);
  });

  it('passes inputs to Python losslessly: source text when the loader kept it, else bigint/NaN-aware JSON', () => {
    expect(toPythonJson([[1n << 70n, Number.NaN, -Infinity, 1.5, 'a"b', null, {k: [true]}]])).toBe('[[1180591620717411303424, NaN, -Infinity, 1.5, "a\\"b", null, {"k": [true]}]]');
    const ref = {key: 'k', base: {outputsJson: '[1, 2]', count: 2, timesMs: [1, 1], errors: 0}, plus: {outputsJson: '[3]', count: 1, timesMs: [1], errors: 0}};
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
    const ref = {key: 'k', base: {outputsJson: '[1, 2]', count: 2, timesMs: [1, 1], errors: 0}, plus: {outputsJson: '[3]', count: 1, timesMs: [1], errors: 0}};
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

  it('script suites: the checker gets the HumanEval prompt (trusted helpers), MBPP nothing; strict fails unverified_script', () => {
    const ref = {key: 'k', base: {outputsJson: '[null]', count: 1, timesMs: [1], errors: 0}, plus: null};
    const he: Problem = {dataset: 'humaneval', taskId: 'H/1', prompt: 'def g(x):\n    return x\n\ndef f(x):\n    """doc"""\n', entryPoint: 'f', referenceProgram: 'x', scriptTests: ['def check(candidate):\n    assert candidate(1) == 1\ncheck(f)']};
    expect(sampleJob(he, {taskId: 'H/1', program: 'x'}, ref, DEFAULT_TEST_LIMITS, 'j', 0).checkerPrelude).toBe(he.prompt);
    const mb: Problem = {...he, dataset: 'mbpp', prompt: 'You are an expert Python programmer...', scriptTests: ['import math\nassert f(1) == 1']};
    const job = sampleJob(mb, {taskId: 'H/1', program: 'x'}, ref, DEFAULT_TEST_LIMITS, 'j', 0);
    expect(job.checkerPrelude).toBeUndefined();
    const r: RunnerResult = {type: 'result', id: 'j', suites: [{status: 'pass', failedTests: [], testsRun: 1, testsTotal: 1, reason: null, outputBytes: 0, output: ''}], flags: ['unverified_script'], wallMs: 1, poisoned: false};
    expect(verdictFromResult(job, r, 1, false).base.status).toBe('pass');
    expect(verdictFromResult(job, r, 1, true).base).toMatchObject({status: 'fail', reason: 'unverified script test (strict)'});
  });

  it('reference outputs stay opaque text on the host: big ints and whole floats reach the runner byte for byte', () => {
    // what the runner sends for outputs JS numbers cannot hold: 2**60 + 1, -(2**70) (hex), a whole
    // float beyond 2^53 (JSON.parse + stringify would give the int 12345678901234567000), 1e300
    const outputsJson = '[1152921504606846977, {"x": "-0x400000000000000000"}, 1.2345678901234567e+19, 1e+300, {"ctr": [["a", 2]]}]';
    const line = JSON.stringify({
      type: 'result',
      id: 'r',
      suites: [
        {status: 'pass', failedTests: [], testsRun: 5, testsTotal: 5, reason: null, outputBytes: 0, output: '', ref: {outputsJson, count: 5, errors: 0, times: [0, 0, 0, 0, 0]}},
        {status: 'pass', failedTests: [], testsRun: 1, testsTotal: 1, reason: null, outputBytes: 0, output: '', ref: {outputsJson: '[{"err": "ZeroDivisionError"}]', count: 1, errors: 1, times: [0]}},
      ],
      flags: [],
      wallMs: 1,
      poisoned: false,
    });
    const msg = RunnerMessageSchema.parse(JSON.parse(line));
    if (msg.type !== 'result') throw new Error('not a result');
    const prob: Problem = {...p, io: {baseInputs: [[1], [2], [3], [4], [5]], plusInputs: [[6]], atol: 0}};
    const ref = referenceFromResult('k', prob, msg);
    expect(ref.base.outputsJson).toBe(outputsJson);
    expect(ref.plus?.errors).toBe(1);
    // the on-disk cache round trip keeps it too
    const cached = ReferenceSchema.parse(JSON.parse(JSON.stringify(ref)));
    const job = sampleJob(prob, {taskId: 'T/1', program: 'x'}, cached, DEFAULT_TEST_LIMITS, 'j', 0);
    expect(job.suites[0]!.expectedJson).toBe(outputsJson);
    expect(JSON.parse(JSON.stringify(job)).suites[0].expectedJson).toBe(outputsJson);
    expect(job.suites[0]!.n).toBe(5);
    // a short reference run is a harness error, not a shorter suite
    expect(() => referenceFromResult('k', {...prob, io: {...prob.io!, baseInputs: [[1]]}}, msg)).toThrow(/5 of 1|returned/);
    expect(referenceJob(prob, 'r', 0).suites.map((s) => s.kind)).toEqual(['ref-io', 'ref-io']);
  });
});
