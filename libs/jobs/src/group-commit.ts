import { setTimeout as sleep } from 'node:timers/promises';

interface Pending<Item, Result> {
  readonly item: Item;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: callers submit one item each and await its result; items that arrive while a
 * commit is in flight go together in the next one. Under load a statement carries hundreds of
 * runs; when idle, an item is committed at once (no timer, no added latency).
 */
export class GroupCommit<Item, Result> {
  private pending: Pending<Item, Result>[] = [];
  private draining = false;
  private drained: Promise<void> = Promise.resolve();

  constructor(
    private readonly commit: (items: Item[]) => Promise<Result[]>,
    private readonly options: {
      readonly maxBatch?: number;
      /** Retry a failed commit (database restarting) this long before failing its callers. */
      readonly retryForMs?: number;
    } = {},
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.draining) this.drained = this.drain();
    });
  }

  /** Resolves once everything submitted so far is committed (or has failed). */
  async flush(): Promise<void> {
    while (this.draining || this.pending.length > 0) await this.drained;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.options.maxBatch ?? 500);
        try {
          const results = await this.commitWithRetry(batch.map((entry) => entry.item));
          batch.forEach((entry, index) => entry.resolve(results[index]));
        } catch (error) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async commitWithRetry(items: Item[]): Promise<Result[]> {
    const deadline = Date.now() + (this.options.retryForMs ?? 0);
    for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
      try {
        return await this.commit(items);
      } catch (error) {
        if (Date.now() + delay > deadline) throw error;
        await sleep(delay);
      }
    }
  }
}
