/** A small unbounded async queue: producers push, consumers await the next item until it is closed. */
export class AsyncQueue<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<(v: {value: T} | null) => void> = [];
  private closed = false;

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.closed) throw new Error('push to a closed queue');
    const w = this.waiters.shift();
    if (w) w({value: item});
    else this.items.push(item);
  }

  /** No more items will come: waiting consumers get null once the queue is empty. */
  close(): void {
    this.closed = true;
    if (this.items.length === 0) for (const w of this.waiters.splice(0)) w(null);
  }

  /** Drops what is queued and releases every consumer. */
  clear(): void {
    this.items.length = 0;
    this.close();
  }

  /** The next item, or null when the queue is closed and empty. */
  next(): Promise<{value: T} | null> {
    if (this.items.length > 0) return Promise.resolve({value: this.items.shift() as T});
    if (this.closed) return Promise.resolve(null);
    return new Promise((res) => this.waiters.push(res));
  }
}
