/**
 * Lazy reference runs for script suites (issue 5, throughput): with no cached reference a sample
 * runs under the floor (minTimeLimitMs per test); only a timeout makes the sandbox run the
 * reference, and the sample is rerun when its true limits (max(floor, factor × reference time))
 * are higher. Real Docker; the counters and the cache directory show what ran.
 */
import {mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {Problem} from '../../src/bench/problem.js';
import {DEFAULT_TEST_LIMITS, type DockerSandbox, buildSandboxImage, openSandbox, sandboxImageStatus} from '../../src/sandbox/index.js';
import {needsRerun} from '../../src/sandbox/jobs.js';
import type {TestLimits} from '../../src/sandbox/types.js';
import {requireDocker} from '../helpers/env.js';

const LIMITS: TestLimits = {...DEFAULT_TEST_LIMITS, minTimeLimitMs: 1000, timeFactor: 4, memoryBytes: 512 * 1024 ** 2};

const problem = (taskId: string, referenceProgram: string): Problem => ({
  dataset: 'mbpp',
  taskId,
  prompt: '',
  entryPoint: 'f',
  referenceProgram,
  scriptTests: ['assert f(1) == 2', 'assert f(2) == 4'],
});
const FAST = problem('Lazy/fast', 'def f(x):\n    return 2 * x\n');
// the reference takes ~1.2 s on the first test: its true limit is ≥ 4 × 1200 ms, far above the 1 s floor
const SLOW_REF = 'import time\ndef f(x):\n    if x == 1:\n        time.sleep(1.2)\n    return 2 * x\n';
const SLOW = problem('Lazy/slow', SLOW_REF);
const SLOW_SAMPLE = 'import time\ndef f(x):\n    if x == 1:\n        time.sleep(2)\n    return 2 * x\n';
const LOOP = 'def f(x):\n    while True:\n        pass\n';

describe('needsRerun', () => {
  it('only when some true limit exceeds the applied one', () => {
    expect(needsRerun([1000, 1000], [1000, 1000])).toBe(false);
    expect(needsRerun([1000, 1000], [1000, 4800])).toBe(true);
    expect(needsRerun([4800, 1000], [4800, 1000])).toBe(false);
  });
});

describe('lazy script-suite references (Docker)', () => {
  let sb: DockerSandbox;
  const cacheDir = mkdtempSync(join(tmpdir(), 'june-lazy-cache-'));
  const cached = () => readdirSync(cacheDir).filter((f) => f.endsWith('.json')).length;

  beforeAll(async () => {
    await requireDocker();
    if (!(await sandboxImageStatus()).present) await buildSandboxImage({onProgress: (l) => process.stderr.write(`sandbox build: ${l}\n`)});
    sb = await openSandbox({parallel: 2, containers: 1, memoryBytes: LIMITS.memoryBytes, cacheDir});
  }, 600_000);

  afterAll(async () => {
    await sb?.close();
    rmSync(cacheDir, {recursive: true, force: true});
  });

  it('a passing sample on a cold cache runs no reference and records the floor', async () => {
    const v = await sb.evaluate(FAST, {taskId: FAST.taskId, program: 'def f(x):\n    return x + x\n'}, LIMITS);
    expect(v.base).toMatchObject({status: 'pass', testsRun: 2, failedTests: []});
    expect(v.timeLimitsMs.base).toEqual([1000, 1000]);
    expect(sb.referenceRuns).toBe(0);
    expect(cached()).toBe(0);
    // a non-timeout failure needs no reference either
    const w = await sb.evaluate(FAST, {taskId: FAST.taskId, program: 'def f(x):\n    return x\n'}, LIMITS);
    expect(w.base).toMatchObject({status: 'fail', failedTests: [0]});
    expect(sb.referenceRuns).toBe(0);
    expect(cached()).toBe(0);
  }, 60_000);

  it('a sample that times out under the floor but not under its true limit is rerun and passes', async () => {
    const runs = sb.referenceRuns;
    const reruns = sb.lazyReruns;
    const v = await sb.evaluate(SLOW, {taskId: SLOW.taskId, program: SLOW_SAMPLE}, LIMITS);
    expect(v.base).toMatchObject({status: 'pass', testsRun: 2, failedTests: []});
    expect(v.timeLimitsMs.base[0]).toBeGreaterThanOrEqual(4800);
    expect(v.timeLimitsMs.base[1]).toBe(1000);
    expect(sb.referenceRuns).toBe(runs + 1);
    expect(sb.lazyReruns).toBe(reruns + 1);
    expect(cached()).toBe(1);
    // now cached: the next sample runs straight under the true limits (no floor run, no rerun)
    const w = await sb.evaluate(SLOW, {taskId: SLOW.taskId, program: SLOW_SAMPLE}, LIMITS);
    expect(w.base.status).toBe('pass');
    expect(sb.referenceRuns).toBe(runs + 1);
    expect(sb.lazyReruns).toBe(reruns + 1);
  }, 120_000);

  it('a looping sample still times out: cold with equal limits (no rerun), cold with higher limits (rerun), and cached', async () => {
    const fastLoop = problem('Lazy/fast-loop', 'def f(x):\n    return x * 2\n');
    let runs = sb.referenceRuns;
    let reruns = sb.lazyReruns;
    const a = await sb.evaluate(fastLoop, {taskId: fastLoop.taskId, program: LOOP}, LIMITS);
    expect(a.base).toMatchObject({status: 'timeout', failedTests: [0]});
    expect(a.timeLimitsMs.base).toEqual([1000, 1000]);
    expect(sb.referenceRuns).toBe(runs + 1); // the timeout needed the reference's times
    expect(sb.lazyReruns).toBe(reruns); // which gave the floor again: the floor run's verdict stands

    const slowLoop = problem('Lazy/slow-loop', `${SLOW_REF}# another key\n`);
    runs = sb.referenceRuns;
    reruns = sb.lazyReruns;
    const b = await sb.evaluate(slowLoop, {taskId: slowLoop.taskId, program: LOOP}, LIMITS);
    expect(b.base, JSON.stringify(b)).toMatchObject({status: 'timeout', failedTests: [0]});
    expect(b.timeLimitsMs.base[0]).toBeGreaterThanOrEqual(4800);
    expect(sb.referenceRuns).toBe(runs + 1);
    expect(sb.lazyReruns).toBe(reruns + 1);

    const c = await sb.evaluate(slowLoop, {taskId: slowLoop.taskId, program: LOOP}, LIMITS);
    expect(c.base.status).toBe('timeout');
    expect(c.timeLimitsMs.base).toEqual(b.timeLimitsMs.base);
    expect(sb.referenceRuns).toBe(runs + 1);
    expect(sb.lazyReruns).toBe(reruns + 1);
  }, 180_000);

  it('referenceTimes() still runs the reference of a script suite', async () => {
    const p = problem('Lazy/times', 'def f(x):\n    return 2 * x + 0\n');
    const runs = sb.referenceRuns;
    const t = await sb.referenceTimes(p);
    expect(t.base).toHaveLength(2);
    expect(t.plus).toBeNull();
    expect(t.referenceErrors).toBe(0);
    expect(sb.referenceRuns).toBe(runs + 1);
  }, 60_000);
});
