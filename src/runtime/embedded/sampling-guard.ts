/**
 * One token sampled at a time per context: the guard against a data race in node-llama-cpp 3.21's
 * native sampler that handed one sequence another sequence's logits.
 *
 * With several sequences in one context (june serve --parallel), llama.cpp may return a batch's
 * outputs out of order and records the swaps that put them back; it applies them lazily, in
 * `llama_get_logits_ith`. node-llama-cpp 3.21 samples every sequence of a batch in its own libuv
 * worker at once, so two workers could both apply the same swaps (undoing them) and each read the
 * other's row: a request got another prompt's first token. Measured on the tiny model, two prompts
 * of different lengths decoded together: 4 runs in 40 got the other sequence's first token.
 * node-llama-cpp 3.22 fixed it natively (one mutex around reading the logits); 3.22's builds are not
 * all on the registry this project installs from, so june pins 3.21.1 and serialises sampling here.
 *
 * Sampling is a small part of a step (decoding dominates), and only sampling waits; decodes of all
 * sequences still share one batch.
 */
import type {LlamaContext} from 'node-llama-cpp';
import {JuneError} from '../../errors.js';

/** node-llama-cpp's native context object, as far as the guard touches it. */
interface NativeContext {
  sampleToken: (...args: unknown[]) => Promise<unknown>;
  readonly [guarded]?: true;
}

const guarded = Symbol('june.serialisedSampling');

/** The first node-llama-cpp release whose native sampler reads logits under a lock. */
export const FIXED_IN = [3, 22, 0] as const;

/** True where node-llama-cpp `version` still samples sequences concurrently without a lock. */
export function needsSamplingGuard(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return true;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) {
    if (v[i]! !== FIXED_IN[i]) return v[i]! < FIXED_IN[i]!;
  }
  return false;
}

/**
 * Wraps `native.sampleToken` so that its calls run one after another, each starting when the one
 * before it settles (a rejection does not stop the queue). Idempotent.
 */
export function serialiseSampling(native: NativeContext): void {
  if (native[guarded]) return;
  const sample = native.sampleToken.bind(native);
  let tail: Promise<unknown> = Promise.resolve();
  const serialised = (...args: unknown[]): Promise<unknown> => {
    const run = tail.then(() => sample(...args));
    tail = run.catch(() => undefined);
    return run;
  };
  // the addon's methods are read-only on its prototype: an own property shadows the inherited one
  Object.defineProperty(native, 'sampleToken', {value: serialised, writable: false, configurable: true});
  Object.defineProperty(native, guarded, {value: true});
}

/**
 * Installs the guard on a context with more than one sequence. The native object is node-llama-cpp's
 * private `_ctx`: if its shape ever changes, this is an error (a silent skip would bring the race back).
 */
export function guardContextSampling(context: LlamaContext, nodeLlamaCppVersion: string): boolean {
  if (context.totalSequences < 2 || !needsSamplingGuard(nodeLlamaCppVersion)) return false;
  const native = (context as unknown as {_ctx?: unknown})._ctx;
  if (typeof native !== 'object' || native === null || typeof (native as {sampleToken?: unknown}).sampleToken !== 'function')
    throw new JuneError('MODEL_LOAD_FAILED', `node-llama-cpp ${nodeLlamaCppVersion}'s context has no native sampleToken to serialise`, {
      hint: 'parallel sequences need node-llama-cpp 3.21.1 (pinned) or 3.22+; reinstall with `npm ci`, or use --parallel 1',
    });
  serialiseSampling(native as NativeContext);
  return true;
}
