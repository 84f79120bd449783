import {describe, expect, it} from 'vitest';
import {applyOutputBudget, DEFAULT_OUTPUT_BUDGET} from '../../../src/agents/tools/index.js';

describe('output budget', () => {
  it('leaves a result within the budget alone', () => {
    expect(applyOutputBudget('short')).toEqual({output: 'short', truncated: false});
    const exact = 'x'.repeat(DEFAULT_OUTPUT_BUDGET);
    expect(applyOutputBudget(exact)).toEqual({output: exact, truncated: false});
  });

  it('cuts head + tail with a note of what was left out', () => {
    const lines = Array.from({length: 10_000}, (_, i) => `line ${i}`);
    const text = lines.join('\n') + '\n';
    const r = applyOutputBudget(text, 4096);
    expect(r.truncated).toBe(true);
    expect(r.output.startsWith('line 0\nline 1\n')).toBe(true);
    expect(r.output.endsWith('line 9999\n')).toBe(true);
    const m = /\[… (\d+) bytes \((\d+) lines\) of (\d+) left out: output over the 4096-byte budget/.exec(r.output);
    expect(m).not.toBeNull();
    const [, omitted, omittedLines, total] = m!.map(Number);
    expect(total).toBe(Buffer.byteLength(text));
    const [head, tail] = r.output.split(/\n\[…[^\n]*\]\n/);
    expect(Buffer.byteLength(head!) + Buffer.byteLength(tail!) + omitted!).toBe(total);
    // it cut on line boundaries: every kept line is whole
    for (const l of [...head!.split('\n'), ...tail!.split('\n')].filter(Boolean)) expect(l).toMatch(/^line \d+$/);
    expect(omittedLines).toBe(text.slice(Buffer.byteLength(head!), Buffer.byteLength(head!) + omitted!).split('\n').length - 1);
    expect(Buffer.byteLength(head!) + Buffer.byteLength(tail!)).toBeLessThanOrEqual(4096);
  });

  it('never splits a UTF-8 character', () => {
    const r = applyOutputBudget('é'.repeat(10_000), 1001);
    expect(r.truncated).toBe(true);
    expect(r.output).not.toContain('\uFFFD');
  });
});
