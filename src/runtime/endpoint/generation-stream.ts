/**
 * Turns a producer (a function that emits events and resolves with the final result) into a
 * `Generation`: an async iterable of events plus a `result` promise, on the same single-consumer
 * Channel the embedded backend uses. The producer starts at once; events are buffered until read,
 * so awaiting `result` alone is fine too.
 */
import {Channel} from '../embedded/channel.js';
import type {Generation, GenerationEvent, GenerationResult} from '../model-host.js';

export type Emit = (event: GenerationEvent) => void;

export function createGeneration(produce: (emit: Emit) => Promise<GenerationResult>): Generation {
  const channel = new Channel<GenerationEvent>();
  const result = (async () => {
    try {
      const res = await produce((event) => channel.push(event));
      channel.push({type: 'done', result: res});
      channel.close();
      return res;
    } catch (error) {
      channel.fail(error);
      throw error;
    }
  })();
  // a consumer that only iterates must not see an unhandled rejection from `result`
  result.catch(() => undefined);
  return {result, [Symbol.asyncIterator]: () => channel[Symbol.asyncIterator]()};
}
