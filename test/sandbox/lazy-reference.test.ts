/**
 * Lazy reference runs for script suites (issue 12 §5, first-run throughput): with no cached
 * reference a sample runs under the floor (minTimeLimitMs per test); only a sample that does not
 * pass makes the sandbox run the reference, and it is rerun when its true limits (max(floor,
 * factor × reference time)) are higher anywhere. Real Docker; the counters and the cache directory
 * show what ran. Whether a fast reference's true limits exceed the floor depends on the machine's
 * load, so those assertions follow the limits the reference actually gave (never a timing guess).
 */
import {mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DEFAULT_TEST_LIMITS, type DockerSandbox, type SandboxProblem, buildSandboxImage, openSandbox, sandboxImageStatus, timeLimits} from '../../src/sandbox/index.js';
import {needsRerun} from '../../src/sandbox/jobs.js';
import type {TestLimits} from '../../src/sandbox/types.js';
import {requireDocker} from '../helpers/env.js';

const LIMITS: TestLimits = {...DEFAULT_TEST_LIMITS, minTimeLimitMs: 1000, timeFactor: 4, memoryBytes: 512 * 1024 ** 2};
const FLOOR = [1000, 1000];

const problem = (taskId: string, referenceProgram: string): SandboxProblem => ({
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
// slow too, but it catches the time limit's exception and answers wrong: under the floor that is an
// AssertionError, not a timeout, and under its true limit (≥ 4.8 s) it passes
const SLOW_CATCHING = 'import time\ndef f(x):\n    if x == 1:\n        try:\n            time.sleep(2)\n        except BaseException:\n            return -1\n    return 2 * x\n';
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
  /** Did the reference's own times lift a limit above the floor (so a failure under the floor is rerun)? */
  const lifted = async (p: SandboxProblem) => needsRerun(FLOOR, timeLimits((await sb.referenceTimes(p)).base, LIMITS));

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
    expect(v.timeLimitsMs.base).toEqual(FLOOR);
    expect(sb.referenceRuns).toBe(0);
    expect(sb.lazyReruns).toBe(0);
    expect(cached()).toBe(0);
  }, 60_000);

  it('a failing sample runs the reference (cached), and is rerun only when that lifts a limit', async () => {
    const w = await sb.evaluate(FAST, {taskId: FAST.taskId, program: 'def f(x):\n    return x\n'}, LIMITS);
    expect(w.base).toMatchObject({status: 'fail', failedTests: [0]});
    expect(sb.referenceRuns).toBe(1);
    expect(cached()).toBe(1);
    expect(sb.lazyReruns).toBe((await lifted(FAST)) ? 1 : 0);
    expect(sb.referenceRuns).toBe(1); // referenceTimes read the cached one
  }, 60_000);

  it('a sample that times out under the floor but not under its true limit is rerun and passes', async () => {
    const runs = sb.referenceRuns;
    const reruns = sb.lazyReruns;
    const v = await sb.evaluate(SLOW, {taskId: SLOW.taskId, program: SLOW_SAMPLE}, LIMITS);
    expect(v.base, JSON.stringify(v)).toMatchObject({status: 'pass', testsRun: 2, failedTests: []});
    expect(v.timeLimitsMs.base[0]).toBeGreaterThanOrEqual(4800);
    expect(v.timeLimitsMs.base[1]).toBe(1000);
    expect(sb.referenceRuns).toBe(runs + 1);
    expect(sb.lazyReruns).toBe(reruns + 1);
    // now cached: the next sample runs straight under the true limits (no floor run, no rerun)
    const w = await sb.evaluate(SLOW, {taskId: SLOW.taskId, program: SLOW_SAMPLE}, LIMITS);
    expect(w.base.status).toBe('pass');
    expect(sb.referenceRuns).toBe(runs + 1);
    expect(sb.lazyReruns).toBe(reruns + 1);
  }, 120_000);

  it('a slow sample that catches the time limit and answers wrong is rerun too, and passes as under eager limits', async () => {
    const p = problem('Lazy/slow-catching', `${SLOW_REF}# its own key\n`);
    const runs = sb.referenceRuns;
    const reruns = sb.lazyReruns;
    const v = await sb.evaluate(p, {taskId: p.taskId, program: SLOW_CATCHING}, LIMITS);
    expect(v.base, JSON.stringify(v)).toMatchObject({status: 'pass', testsRun: 2, failedTests: []});
    expect(v.timeLimitsMs.base[0]).toBeGreaterThanOrEqual(4800);
    expect(sb.referenceRuns).toBe(runs + 1);
    expect(sb.lazyReruns).toBe(reruns + 1);
  }, 120_000);

  it('a looping sample still times out: cold (rerun when the reference lifts a limit) and cached', async () => {
    const fastLoop = problem('Lazy/fast-loop', 'def f(x):\n    return x * 2\n');
    let runs = sb.referenceRuns;
    let reruns = sb.lazyReruns;
    const a = await sb.evaluate(fastLoop, {taskId: fastLoop.taskId, program: LOOP}, LIMITS);
    expect(a.base, JSON.stringify(a)).toMatchObject({status: 'timeout', failedTests: [0]});
    expect(sb.referenceRuns).toBe(runs + 1); // the timeout needed the reference's times
    const up = await lifted(fastLoop);
    expect(sb.lazyReruns).toBe(reruns + (up ? 1 : 0));
    if (!up) expect(a.timeLimitsMs.base).toEqual(FLOOR); // the floor run's verdict stands

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

  it('samples that time out at the limit always read as timeouts (the checker outlives its own late alarm)', async () => {
    // the sample's alarm is set to the checker's deadline rounded down to the ms, so it usually
    // answers a timeout just before the checker's own alarm fires; that late alarm used to end the
    // checker ("process ended before test 0 completed"), a failure that is not a timeout
    const p = problem('Lazy/race', 'def f(x):\n    return 2 * x\n');
    await sb.referenceTimes(p);
    const progs = ['import time\ndef f(x):\n    time.sleep(3)\n    return 2 * x\n', LOOP];
    const vs = await Promise.all(Array.from({length: 16}, (_, i) => sb.evaluate(p, {taskId: p.taskId, program: progs[i % 2]!}, LIMITS)));
    const reasons = vs.map((v) => `${v.base.status}: ${v.base.reason ?? ''}`);
    expect(reasons.filter((r) => !r.startsWith('timeout')), reasons.join('\n')).toEqual([]);
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
