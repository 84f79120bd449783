/**
 * The guard against node-llama-cpp 3.21's sampling race (src/runtime/embedded/sampling-guard.ts):
 * unit tests on a stand-in native object, then the real thing — two sequences of one context, two
 * prompts of different lengths decoded in one batch, forty times over, each answer equal to the
 * prompt's answer alone. Without the guard a request got the other sequence's first token.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type EmbeddedModel, loadEmbeddedModel} from '../../../src/runtime/embedded/index.js';
import {needsSamplingGuard, serialiseSampling} from '../../../src/runtime/embedded/sampling-guard.js';
import {requireTinyModel} from '../../helpers/env.js';

/** Like the addon: sampleToken read-only on the prototype; it records how many calls overlap. */
function fakeNative(ms: number, failOn?: number): {native: {sampleToken: (...a: unknown[]) => Promise<unknown>}; maxOverlap: () => number; order: number[]} {
  let running = 0;
  let max = 0;
  const order: number[] = [];
  class Native {
    declare sampleToken: (...a: unknown[]) => Promise<unknown>;
  }
  Object.defineProperty(Native.prototype, 'sampleToken', {
    writable: false,
    value: async (i: unknown): Promise<unknown> => {
      running++;
      max = Math.max(max, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      order.push(i as number);
      if (i === failOn) throw new Error(`sample ${String(i)} failed`);
      return i;
    },
  });
  return {native: new Native(), maxOverlap: () => max, order};
}

describe('serialised sampling', () => {
  it('applies to node-llama-cpp before 3.22.0 only', () => {
    expect(needsSamplingGuard('3.21.1')).toBe(true);
    expect(needsSamplingGuard('3.9.0')).toBe(true);
    expect(needsSamplingGuard('2.99.99')).toBe(true);
    expect(needsSamplingGuard('3.22.0')).toBe(false);
    expect(needsSamplingGuard('3.22.1')).toBe(false);
    expect(needsSamplingGuard('4.0.0')).toBe(false);
    expect(needsSamplingGuard('unknown')).toBe(true);
  });

  it('runs one sampleToken at a time, in call order, and a rejection does not stop the queue', async () => {
    const unguarded = fakeNative(5);
    await Promise.all([1, 2, 3].map((i) => unguarded.native.sampleToken(i)));
    expect(unguarded.maxOverlap()).toBe(3);

    const f = fakeNative(5, 2);
    serialiseSampling(f.native);
    serialiseSampling(f.native); // idempotent: still one queue
    const results = await Promise.allSettled([1, 2, 3, 4].map((i) => f.native.sampleToken(i)));
    expect(f.maxOverlap()).toBe(1);
    expect(f.order).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  });
});

describe('two sequences of one context (real model)', () => {
  let host: EmbeddedModel;
  beforeAll(async () => {
    host = await loadEmbeddedModel({path: requireTinyModel(), gpu: 'false', contextSize: 2048, sequences: 2, threads: 1});
  });
  afterAll(async () => {
    await host?.close();
  });

  it('prompts decoded in one batch each get their own answer, every time', async () => {
    // two pairs taken in turn, so that each sequence holds the other pair's tokens and evaluates its
    // whole prompt (prompts of different lengths in one batch are what llama.cpp reorders)
    const pairs = [
      ['def fib(n):', 'SELECT * FROM'],
      ['The cat', 'Once upon a time'],
    ] as const;
    const ask = async (p: string): Promise<string> => (await host.complete(p, {maxTokens: 12, temperature: 0}).result).text;
    const alone = new Map<string, string>();
    for (const p of pairs.flat()) alone.set(p, await ask(p));
    expect(new Set(alone.values()).size).toBe(4);
    const wrong: string[] = [];
    for (let round = 0; round < 40; round++) {
      const pair = pairs[round % 2]!;
      const together = await Promise.all(pair.map(ask));
      together.forEach((t, i) => {
        if (t !== alone.get(pair[i]!)) wrong.push(`round ${round}, ${JSON.stringify(pair[i])}: ${JSON.stringify(t)}`);
      });
    }
    expect(wrong).toEqual([]);
  });
});
