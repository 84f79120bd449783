/**
 * Which waiting job a free sandbox slot goes to (pure): references first, then samples longest
 * first by their reference's time, ties in arrival order — and, in a list-scheduling simulation
 * shaped like MBPP+ (one ~20 s task among hundreds of short ones), that it ends the run sooner
 * than first-come-first-served.
 */
import {describe, expect, it} from 'vitest';
import {jobPriority, nextWaiter} from '../../src/sandbox/sandbox.js';

describe('sandbox job priority', () => {
  it('references outrank every sample; samples rank by their reference time; ties go in arrival order', () => {
    expect(jobPriority({reference: true})).toBe(Number.POSITIVE_INFINITY);
    expect(jobPriority({reference: false, refTimesMs: [1, 2, 3.5]})).toBe(6.5);
    expect(jobPriority({reference: false, refTimesMs: null})).toBe(0);
    const w = (priority: number, seq: number) => ({priority, seq});
    expect(nextWaiter([])).toBe(-1);
    expect(nextWaiter([w(5, 1), w(9, 2), w(9, 3)])).toBe(1);
    expect(nextWaiter([w(0, 4), w(0, 2), w(0, 3)])).toBe(1);
    expect(nextWaiter([w(1e9, 1), w(Number.POSITIVE_INFINITY, 7), w(Number.POSITIVE_INFINITY, 5)])).toBe(2);
  });

  /** Two slots; each task is a reference job (its cost) then a sample job (the same cost) queued when it ends. */
  function makespan(costs: number[], pick: (q: Array<{priority: number; seq: number; cost: number; task: number; ref: boolean}>) => number): number {
    let seq = 0;
    const queue = costs.map((c, task) => ({priority: jobPriority({reference: true}), seq: ++seq, cost: c, task, ref: true}));
    const slots = 2;
    let now = 0;
    let end = 0;
    const running: Array<{until: number; task: number; ref: boolean}> = [];
    for (;;) {
      while (running.length < slots && queue.length > 0) {
        const j = queue.splice(pick(queue), 1)[0]!;
        running.push({until: now + j.cost, task: j.task, ref: j.ref});
      }
      if (running.length === 0) break;
      running.sort((a, b) => a.until - b.until);
      const done = running.shift()!;
      now = done.until;
      end = Math.max(end, now);
      if (done.ref) queue.push({priority: jobPriority({reference: false, refTimesMs: [costs[done.task]!]}), seq: ++seq, cost: costs[done.task]!, task: done.task, ref: false});
    }
    return end;
  }

  it('longest-first ends an MBPP+-shaped run sooner than first-come-first-served', () => {
    // 377 short tasks (30 ms … 300 ms) and, last in the dataset, one of 20 s (Mbpp/599)
    const costs = [...Array.from({length: 377}, (_, i) => 30 + ((i * 37) % 270)), 20_000];
    const fifo = makespan(costs, (q) => nextWaiter(q.map((j) => ({priority: j.ref ? 1 : 0, seq: j.seq}))));
    const lpt = makespan(costs, (q) => nextWaiter(q));
    const work = costs.reduce((a, b) => a + b, 0) * 2;
    // FIFO starts the long task's sample last, behind every short sample (91.6 s here); longest-first fills
    // the other slot while it runs and ends at the bound (81.7 s)
    expect(lpt).toBeLessThan(fifo * 0.92);
    // within 1 % of the bound: the long task's reference + sample, or all the work over two slots
    expect(lpt).toBeLessThan(Math.max(2 * 20_000, work / 2) * 1.01);
  });
});
