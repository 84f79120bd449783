/**
 * Turns a producer (a function that emits events and resolves with the final result) into a
 * `Generation`: an async iterable of events plus a `result` promise. The producer starts at once;
 * events are buffered until the consumer reads them, so awaiting `result` alone is fine too.
 */
import type {Generation, GenerationEvent, GenerationResult} from '../model-host.js';

export type Emit = (event: GenerationEvent) => void;

export function createGeneration(produce: (emit: Emit) => Promise<GenerationResult>): Generation {
  const queue: GenerationEvent[] = [];
  let finished = false;
  let failure: {error: unknown} | undefined;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  let iterated = false;

  const result = (async () => {
    try {
      const res = await produce((event) => {
        queue.push(event);
        notify();
      });
      queue.push({type: 'done', result: res});
      return res;
    } catch (error) {
      failure = {error};
      throw error;
    } finally {
      finished = true;
      notify();
    }
  })();
  // a consumer that only iterates must not see an unhandled rejection from `result`
  result.catch(() => undefined);

  return {
    result,
    [Symbol.asyncIterator](): AsyncIterator<GenerationEvent> {
      if (iterated) throw new Error('a Generation can be iterated only once');
      iterated = true;
      return {
        async next(): Promise<IteratorResult<GenerationEvent>> {
          for (;;) {
            const event = queue.shift();
            if (event) return {value: event, done: false};
            if (failure) throw failure.error;
            if (finished) return {value: undefined, done: true};
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
      };
    },
  };
}
