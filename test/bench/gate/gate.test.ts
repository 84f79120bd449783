import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {type Baseline, BASELINE_FORMAT, parseBaseline, readBaseline, writeBaseline} from '../../../src/bench/gate/baseline.js';
import {compareWithBaseline, type GateRun, planFromBaseline} from '../../../src/bench/gate/gate.js';
import {
  mcnemarExactPValue,
  minimumDetectableDrop,
  mulberry32,
  pairedBootstrapCi,
  signFlipPValue,
  tasksNeededFor,
} from '../../../src/bench/gate/stats.js';
import {JuneError} from '../../../src/errors.js';

const SHA = 'a'.repeat(64);

function baselineOf(tasks: Record<string, {n: number; passed: number}>, over: Partial<Baseline> = {}): Baseline {
  const fr = Object.values(tasks).map((t) => t.passed / t.n);
  return {
    format: BASELINE_FORMAT,
    createdAt: '2025-01-01T00:00:00.000Z',
    runId: 'base',
    dataset: {id: 'humaneval', sha256: SHA},
    metric: 'base',
    model: {id: 'm', sha256: null, endpoint: null},
    n: Object.values(tasks)[0]?.n ?? 1,
    seed: 1,
    temperature: 0,
    topP: 1,
    passAt1: fr.reduce((a, b) => a + b, 0) / Math.max(1, fr.length),
    tasks,
    ...over,
  };
}
function runOf(tasks: Record<string, {n: number; passed: number}>, over: Partial<GateRun> = {}): GateRun {
  return {datasetId: 'humaneval', datasetSha256: SHA, metric: 'base', seed: 1, temperature: 0, tasks, ...over};
}
/** n=1 outcomes for N tasks: `pass(i)` says whether task i passed. */
function binary(N: number, pass: (i: number) => boolean): Record<string, {n: number; passed: number}> {
  const out: Record<string, {n: number; passed: number}> = {};
  for (let i = 0; i < N; i++) out[`HumanEval/${i}`] = {n: 1, passed: pass(i) ? 1 : 0};
  return out;
}

describe('exact tests', () => {
  it.each([
    [6, 0, 0.03125],
    [5, 0, 0.0625],
    [0, 0, 1],
    [10, 2, 158 / 4096],
    [3, 3, 1],
  ])('McNemar exact b=%i c=%i → p=%f', (b, c, p) => {
    expect(mcnemarExactPValue(b, c)).toBeCloseTo(p, 12);
  });

  it('the sign-flip test on 0/1 differences equals exact McNemar', () => {
    const d = [...Array(10).fill(-1), ...Array(2).fill(1), ...Array(30).fill(0)];
    expect(signFlipPValue(d, 1)).toBeCloseTo(mcnemarExactPValue(10, 2), 12);
  });

  it('the sign-flip test matches brute-force enumeration on fractional differences', () => {
    const d = [-0.3, -0.1, 0.2, -0.5, -0.2, 0, 0.1, -0.4, -0.3];
    const a = d.map((x) => Math.round(x * 10));
    const obs = Math.abs(a.reduce((s, x) => s + x, 0));
    let hits = 0;
    const total = 2 ** a.length;
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += (mask >> i) & 1 ? a[i]! : -a[i]!;
      if (Math.abs(s) >= obs) hits++;
    }
    expect(signFlipPValue(d, 10)).toBeCloseTo(hits / total, 12);
  });

  it('bootstrap CI is reproducible for a seed and brackets the mean', () => {
    const rand = mulberry32(7);
    const d = Array.from({length: 80}, () => rand() - 0.6);
    const m = d.reduce((a, b) => a + b, 0) / d.length;
    const a = pairedBootstrapCi(d, {seed: 42});
    expect(pairedBootstrapCi(d, {seed: 42})).toEqual(a);
    expect(pairedBootstrapCi(d, {seed: 43})).not.toEqual(a);
    expect(a[0]).toBeLessThan(m);
    expect(a[1]).toBeGreaterThan(m);
  });

  it('MDE = 2.8016·σ/√N, floored by the 6 same-way moves an exact test needs', () => {
    expect(minimumDetectableDrop(0.5, 100, 1)).toBeCloseTo(2.801585 * 0.05, 5);
    expect(minimumDetectableDrop(0.01, 100, 1)).toBeCloseTo(6 / 100, 12);
    expect(minimumDetectableDrop(0.5, 5, 1)).toBeGreaterThan(1);
    expect(tasksNeededFor(0.02, 0.3, 1)).toBe(Math.ceil((2.801585 * 0.3 / 0.02) ** 2));
  });
});

describe('gate verdicts on synthetic baselines', () => {
  it('a real drop fails (exit 3 material): 30 tasks broke, 3 got fixed out of 164', () => {
    const base = baselineOf(binary(164, (i) => i < 100));
    const cur = runOf(binary(164, (i) => (i >= 30 && i < 100) || (i >= 100 && i < 103)));
    const r = compareWithBaseline(base, cur, {maxDrop: 0.02});
    expect(r.verdict).toBe('fail');
    expect(r.reason).toBe('regression');
    expect(r.test).toBe('mcnemar-exact');
    expect(r.worse).toBe(30);
    expect(r.better).toBe(3);
    expect(r.change).toBeCloseTo(-27 / 164, 12);
    expect(r.pValue).toBeLessThan(1e-5);
    expect(r.ci95[1]).toBeLessThan(0);
    expect(r.line).toMatch(/^Gate FAIL: base pass@1 0\.610 → 0\.445 \(−0\.165, 95% CI/);
    expect(r.line.split('\n')).toHaveLength(1);
  });

  it('noise passes: as many tasks flip each way', () => {
    const base = baselineOf(binary(164, (i) => i < 100));
    const cur = runOf(binary(164, (i) => (i >= 8 && i < 100) || (i >= 100 && i < 106)));
    const r = compareWithBaseline(base, cur, {maxDrop: 0.02});
    expect(r.change).toBeCloseTo(-2 / 164, 12);
    expect(r.verdict).toBe('pass');
    expect(r.reason).toBe('no-significant-change');
    expect(r.line).toMatch(/^Gate PASS: .*no significant change; 164 tasks detect drops ≥ 0\.\d+; ~\d+ tasks to detect 0\.020$/);
  });

  it('a drop larger than max-drop that is within noise passes as inconclusive', () => {
    const base = baselineOf(binary(40, (i) => i < 20));
    // 5 worse, 2 better: drop 0.075 > 0.02, McNemar p = 0.45
    const cur = runOf(binary(40, (i) => (i >= 5 && i < 20) || i === 20 || i === 21));
    const r = compareWithBaseline(base, cur, {maxDrop: 0.02});
    expect(r.change).toBeCloseTo(-3 / 40, 12);
    expect(r.verdict).toBe('pass');
    expect(r.reason).toBe('not-significant');
    expect(r.line).toMatch(/^Gate PASS \(inconclusive\)/);
  });

  it('a tiny subset says it cannot detect the drop, even when every task broke', () => {
    const base = baselineOf(binary(5, () => true));
    const cur = runOf(binary(5, () => false));
    const r = compareWithBaseline(base, cur, {maxDrop: 0.02});
    expect(r.change).toBe(-1);
    expect(r.pValue).toBeCloseTo(0.0625, 12);
    expect(r.verdict).toBe('pass');
    expect(r.minDetectableDrop).toBeGreaterThan(1);
    expect(r.line).toContain('5 tasks detect no drop at all');
    expect(r.tasksNeeded).toBeGreaterThanOrEqual(300);
  });

  it('improvements pass', () => {
    const base = baselineOf(binary(164, (i) => i < 60));
    const cur = runOf(binary(164, (i) => i < 90));
    const r = compareWithBaseline(base, cur);
    expect(r.verdict).toBe('pass');
    expect(r.reason).toBe('improved');
    expect(r.change).toBeCloseTo(30 / 164, 12);
  });

  it('a significant drop within --max-drop passes and says so', () => {
    const base = baselineOf(binary(2000, (i) => i < 1000));
    const cur = runOf(binary(2000, (i) => i >= 30 && i < 1000));
    const r = compareWithBaseline(base, cur, {maxDrop: 0.02});
    expect(r.change).toBeCloseTo(-0.015, 12);
    expect(r.reason).toBe('drop-within-tolerance');
    expect(r.verdict).toBe('pass');
  });

  it('n > 1: uses the sign-flip test on pass fractions and fails a real drop', () => {
    const tasks = (shift: number): Record<string, {n: number; passed: number}> => {
      const out: Record<string, {n: number; passed: number}> = {};
      for (let i = 0; i < 60; i++) out[`T/${i}`] = {n: 10, passed: Math.max(0, Math.min(10, (i % 11) - (i < 40 ? shift : 0)))};
      return out;
    };
    const r = compareWithBaseline(baselineOf(tasks(0), {n: 10}), runOf(tasks(3)));
    expect(r.test).toBe('sign-flip-exact');
    expect(r.verdict).toBe('fail');
  });

  it('noise alone never fails: 300 simulated reruns of the same model (n=5, 164 tasks)', () => {
    const rand = mulberry32(2024);
    const pi = Array.from({length: 164}, () => rand());
    const draw = (): Record<string, {n: number; passed: number}> => {
      const out: Record<string, {n: number; passed: number}> = {};
      pi.forEach((p, i) => {
        let c = 0;
        for (let k = 0; k < 5; k++) if (rand() < p) c++;
        out[`HumanEval/${i}`] = {n: 5, passed: c};
      });
      return out;
    };
    let fails = 0;
    for (let s = 0; s < 300; s++) {
      const r = compareWithBaseline(baselineOf(draw(), {n: 5}), runOf(draw()), {maxDrop: 0.02, resamples: 200});
      if (r.verdict === 'fail') fails++;
    }
    // the test's level bounds false failures at 2.5 % (one-sided); max-drop removes more
    expect(fails / 300).toBeLessThan(0.03);
  });

  it('refuses incomparable baselines with exit-4 errors', () => {
    const base = baselineOf(binary(10, () => true));
    const expectCode = (fn: () => unknown, code: string): void => {
      try {
        fn();
        throw new Error('expected a JuneError');
      } catch (e) {
        expect(e).toBeInstanceOf(JuneError);
        expect((e as JuneError).code).toBe(code);
        expect((e as JuneError).exitCode).toBe(4);
      }
    };
    expectCode(() => compareWithBaseline(base, runOf(binary(10, () => true), {datasetId: 'mbpp'})), 'BASELINE_MISMATCH');
    expectCode(() => compareWithBaseline(base, runOf(binary(10, () => true), {datasetSha256: 'b'.repeat(64)})), 'BASELINE_MISMATCH');
    expectCode(() => compareWithBaseline(base, runOf({'Other/1': {n: 1, passed: 1}})), 'BASELINE_MISMATCH');
    expectCode(() => compareWithBaseline(base, runOf(binary(10, () => true), {metric: 'plus'})), 'BASELINE_MISMATCH');
  });

  it('compares a subset run on the shared tasks and warns', () => {
    const base = baselineOf(binary(20, () => true));
    const r = compareWithBaseline(base, runOf(binary(5, () => true), {seed: 9}));
    expect(r.tasks).toBe(5);
    expect(r.missingTasks).toBe(15);
    expect(r.warnings.join(' ')).toMatch(/15 baseline tasks were not run.*seeds differ/);
  });
});

describe('baseline file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'june-gate-'));
  afterAll(() => rmSync(dir, {recursive: true, force: true}));

  it('round-trips through write/read and plans the detectable drop', async () => {
    const b = baselineOf(binary(164, (i) => i % 2 === 0));
    const file = join(dir, 'sub', 'baseline.json');
    await writeBaseline(file, b);
    expect(await readBaseline(file)).toEqual(b);
    const plan = planFromBaseline(b, 0.02);
    // n=1, π̄=0.5 → σ_d = √(2·0.25) ≈ 0.707, MDE ≈ 2.8016·0.707/√164
    expect(plan.sigmaD).toBeCloseTo(Math.SQRT1_2, 12);
    expect(plan.minDetectableDrop).toBeCloseTo((2.801585 * Math.SQRT1_2) / Math.sqrt(164), 4);
    expect(plan.line).toMatch(/^Baseline: base pass@1 0\.500 on 164 tasks, n=1; a gate on these tasks detects drops ≥ 0\.155/);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['wrong format', JSON.stringify({format: 'x'}), /key "format"/],
    ['passed > n', JSON.stringify(baselineOf({'HumanEval/0': {n: 1, passed: 2}}, {passAt1: 0.5})), /passed must not exceed n/],
    ['no tasks', JSON.stringify(baselineOf({})), /holds no tasks/],
  ])('rejects a bad baseline: %s', (_n, text, msg) => {
    expect(() => parseBaseline(text, 'b.json')).toThrow(msg);
    try {
      parseBaseline(text, 'b.json');
    } catch (e) {
      expect((e as JuneError).code).toBe('BASELINE_INVALID');
    }
  });

  it('a missing file is BASELINE_INVALID naming the path', async () => {
    const f = join(dir, 'nope.json');
    await expect(readBaseline(f)).rejects.toThrow(f);
    writeFileSync(join(dir, 'ok.json'), JSON.stringify(baselineOf(binary(3, () => true))));
    await expect(readBaseline(join(dir, 'ok.json'))).resolves.toBeTruthy();
  });
});
