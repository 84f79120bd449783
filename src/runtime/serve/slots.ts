/** A FIFO of `size` slots: requests beyond it wait their turn (june serve --parallel). */
export class Slots {
  private free: number;
  private readonly waiting: {resolve: () => void; reject: (e: unknown) => void; signal: AbortSignal; onAbort: () => void}[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Waits for a slot; the returned function gives it back. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) throw signal.reason;
    if (this.free > 0) {
      this.free--;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const entry = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.waiting.indexOf(entry);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal.reason);
        },
      };
      signal.addEventListener('abort', entry.onAbort, {once: true});
      this.waiting.push(entry);
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) {
        next.signal.removeEventListener('abort', next.onAbort);
        next.resolve();
      } else {
        this.free++;
      }
    };
  }
}
