import { setTimeout as sleep } from 'node:timers/promises';

interface Pending<Item, Result> {
  readonly item: Item;
  readonly resolve: (result: Result) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  readonly maxBatch?: number;
  /**
   * Fewer items than this wait up to `lingerMs` for more, for commits whose fixed cost dwarfs an
   * item's; asked before each commit when it is a function.
   */
  readonly minBatch?: number | (() => number);
  readonly lingerMs?: number;
  /** Retry a failed commit (database restarting) this long before failing its callers. */
  readonly retryForMs?: number;
}

/**
 * Group commit: callers submit one item each and await its result; items that arrive while a
 * commit is in flight go together in the next one. Under load a statement carries hundreds of
 * runs; when idle, an item is committed at once (or after at most `lingerMs`).
 */
export class GroupCommit<Item, Result> {
  private pending: Pending<Item, Result>[] = [];
  private inFlight = 0;
  private linger: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];

  constructor(
    private readonly commit: (items: Item[]) => Promise<Result[]>,
    private readonly options: GroupCommitOptions = {},
  ) {}

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.pump(false);
    });
  }

  /** Resolves once everything submitted so far is committed (or has failed). */
  flush(): Promise<void> {
    if (this.pending.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.idle.push(resolve);
      this.pump(true);
    });
  }

  private pump(force: boolean): void {
    const { lingerMs = 0, maxBatch = 500 } = this.options;
    // Never more than a commit may carry, or a large window would wait out every linger.
    const minBatch = Math.min(
      maxBatch,
      typeof this.options.minBatch === 'function' ? this.options.minBatch() : (this.options.minBatch ?? 1),
    );
    // One commit at a time: concurrent ones cost more than they overlap (measured: bench:jobs).
    while (this.pending.length > 0 && this.inFlight === 0) {
      if (!force && this.pending.length < minBatch && lingerMs > 0) {
        this.linger ??= setTimeout(() => {
          this.linger = undefined;
          this.pump(true);
        }, lingerMs);
        return;
      }
      clearTimeout(this.linger);
      this.linger = undefined;
      const batch = this.pending.splice(0, maxBatch);
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.pump(this.idle.length > 0);
        if (this.pending.length === 0 && this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  private async run(batch: Pending<Item, Result>[]): Promise<void> {
    try {
      const results = await this.commitWithRetry(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => entry.resolve(results[index]));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  }

  private commitWithRetry(items: Item[]): Promise<Result[]> {
    return retryFor(this.options.retryForMs ?? 0, () => this.commit(items));
  }
}

/** Tries `work` again, backing off from 100 ms to 2 s, until it succeeds or `ms` have passed. */
export async function retryFor<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await work();
    } catch (error) {
      if (Date.now() + delay > deadline) throw error;
      await sleep(delay);
    }
  }
}
