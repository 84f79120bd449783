/**
 * Values the sandbox must carry exactly (issue 5, "Verdicts belong to the harness" / fidelity):
 * integers beyond 2^53, whole-number floats beyond 2^53, and the stdlib dict subclasses (MBPP+
 * Mbpp/88 returns a Counter). Reference outputs cross the host as opaque text; these tests make a
 * sample that differs from the reference only where a JS number would blur it, and check that it
 * fails there and only there, through the real Docker sandbox and through the host baseline.
 * The runner's encoding itself has Python unit tests (test/sandbox/python/test_values.py).
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {SandboxProblem as Problem} from '../../src/sandbox/types.js';
import {DEFAULT_TEST_LIMITS, type DockerSandbox, buildSandboxImage, openBaseline, openSandbox, sandboxImageStatus} from '../../src/sandbox/index.js';
import type {TestLimits} from '../../src/sandbox/types.js';
import {requireDocker} from '../helpers/env.js';

const REF = `import collections
VALUES = [
    2**60 + 1,                                       # 0: int in (2^53, 2^62): plain JSON number
    -(2**70) - 3,                                    # 1: beyond 2^62: hex
    2**53 + 1,                                       # 2
    collections.Counter("abcab"),                    # 3: Mbpp/88
    collections.OrderedDict([("b", 1), ("a", 2)]),   # 4
    collections.defaultdict(list, {"x": [1]}),       # 5
    [(2**64, 0.5), {"k": [2**63 - 1, 1.0]}],         # 6
    12345678901234567890.0,                          # 7: whole float, JS would print 12345678901234567000
    1e300,                                           # 8
    4.33e19,                                         # 9: whole float (HumanEval+/45)
    -0.0,                                            # 10
]
def f(k):
    return VALUES[k]
`;
const N = 11;
const problem: Problem = {
  dataset: 'humaneval+',
  taskId: 'Values/exact',
  prompt: '',
  entryPoint: 'f',
  referenceProgram: REF,
  io: {baseInputs: Array.from({length: N}, (_, k) => [k]), plusInputs: [[6], [0]], atol: 0},
};

/**
 * Differs from the reference only where a JS number (or a plain dict for a Counter) would blur it.
 * The exact-int cases come before the first float output: EvalPlus's atol, once a float expected
 * value sets it to 1e-6, stays so for the later inputs of the suite (and 2**53 would then pass).
 */
const ALTERED = `${REF}
_orig = f
def f(k):
    if k == 0:
        return 2**60                       # fail: off by one beyond 2^53
    if k == 2:
        return 2**53                       # fail
    if k == 3:
        return {"a": 2, "b": 2, "c": 1}    # pass: a dict == the Counter with the same counts
    if k == 4:
        return collections.OrderedDict([("a", 2), ("b", 1)])  # fail: OrderedDicts compare in order
    if k == 5:
        return {"x": [2]}                  # fail
    if k == 7:
        return 12345678901234567000        # fail: the int JSON.parse + stringify would have made of the float
    if k == 9:
        return 43300000000000000000        # pass: this int equals the float 4.33e19 exactly (==)
    return _orig(k)
`;
const ALTERED_FAILS = [0, 2, 4, 5, 7];

const LIMITS: TestLimits = {...DEFAULT_TEST_LIMITS, memoryBytes: 512 * 1024 ** 2, allInputs: true};

describe('exact values through the real sandbox (Docker) and the host baseline', () => {
  let sb: DockerSandbox;
  const cacheDir = mkdtempSync(join(tmpdir(), 'june-values-cache-'));

  beforeAll(async () => {
    await requireDocker();
    if (!(await sandboxImageStatus()).present) await buildSandboxImage({onProgress: (l) => process.stderr.write(`sandbox build: ${l}\n`)});
    sb = await openSandbox({parallel: 2, containers: 1, memoryBytes: LIMITS.memoryBytes, cacheDir});
  }, 600_000);

  afterAll(async () => {
    await sb?.close();
    rmSync(cacheDir, {recursive: true, force: true});
  });

  it('the reference passes itself: no reference error, no non-plain flag', async () => {
    const v = await sb.evaluate(problem, {taskId: problem.taskId, program: REF}, LIMITS);
    expect(v.base).toMatchObject({status: 'pass', testsRun: N, failedTests: []});
    expect(v.plus).toMatchObject({status: 'pass', testsRun: 2});
    expect(v.flags).toEqual([]);
  }, 120_000);

  it('a sample off by what a JS number would hide fails exactly there (also from the disk cache)', async () => {
    const v = await sb.evaluate(problem, {taskId: problem.taskId, program: ALTERED}, LIMITS);
    expect(v.base.status).toBe('fail');
    expect(v.base.failedTests).toEqual(ALTERED_FAILS);
    expect(v.plus).toMatchObject({status: 'fail', failedTests: [1]});
    // a second sandbox reads the reference from the on-disk cache and judges the same
    const again = await openSandbox({parallel: 1, containers: 1, memoryBytes: LIMITS.memoryBytes, cacheDir});
    try {
      const w = await again.evaluate(problem, {taskId: problem.taskId, program: ALTERED}, LIMITS);
      expect(w.base.failedTests).toEqual(ALTERED_FAILS);
      expect((await again.evaluate(problem, {taskId: problem.taskId, program: REF}, LIMITS)).base.status).toBe('pass');
    } finally {
      await again.close();
    }
  }, 180_000);

  it('an input the reference fails on (raises, or an output over 16 MB: Mbpp/255) fails every sample, with that reason', async () => {
    const prog = 'def g(k):\n    if k == 0:\n        return 1 / 0\n    if k == 1:\n        return "x" * (17 * 2**20)\n    return k\n';
    const bad: Problem = {dataset: 'mbpp+', taskId: 'Values/ref-error', prompt: '', entryPoint: 'g', referenceProgram: prog, io: {baseInputs: [[2], [0], [1], [3]], plusInputs: [[4]], atol: 0}};
    const v = await sb.evaluate(bad, {taskId: bad.taskId, program: prog}, LIMITS);
    expect(v.flags).toContain('reference_error');
    expect(v.base.failedTests).toEqual([1, 2]);
    expect(v.base.reason).toMatch(/reference failed on this input \(ZeroDivisionError\)/);
    expect(v.plus?.status).toBe('pass');
    expect((await sb.referenceTimes(bad)).referenceErrors).toBe(2);
  }, 120_000);

  it('the host baseline carries the same values (speed anchor parity)', async () => {
    const base = openBaseline({parallel: 1});
    const ok = await base.evaluate(problem, {taskId: problem.taskId, program: REF}, LIMITS);
    expect(ok.base.status).toBe('pass');
    expect(ok.plus?.status).toBe('pass');
    const bad = await base.evaluate(problem, {taskId: problem.taskId, program: ALTERED}, LIMITS);
    expect(bad.base.failedTests).toEqual(ALTERED_FAILS);
  }, 60_000);
});
