// One message handler at a time: a handler that changes the pair's state and awaits an activity
// holds the lock until its change is complete, so two messages never interleave half-way
// (as in Temporal's safe-message-handlers sample). Deterministic: a chain of promises.
export class HandlerLock {
  private tail: Promise<void> = Promise.resolve();
  private holders = 0;

  get busy(): boolean {
    return this.holders > 0;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holders += 1;
    try {
      await previous;
      return await work();
    } finally {
      this.holders -= 1;
      release();
    }
  }
}
