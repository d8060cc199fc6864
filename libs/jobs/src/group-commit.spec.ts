import { GroupCommit } from './group-commit';

/** A commit that keeps the batches it was given. */
function recorder() {
  const batches: number[][] = [];
  const commit = (items: number[]) => {
    batches.push(items);
    return Promise.resolve(items.map(() => undefined));
  };
  return { batches, commit };
}

describe('GroupCommit', () => {
  it('commits items that arrive during a commit together, each caller getting its own result', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return items.map((item) => item * 10);
    });
    const results = await Promise.all([1, 2, 3, 4].map((item) => group.submit(item)));
    expect(results).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('retries a failing commit within its window, then fails every caller of the batch', async () => {
    let calls = 0;
    const flaky = new GroupCommit<number, number>(
      async (items) => {
        calls += 1;
        if (calls < 3) throw new Error('database restarting');
        return items;
      },
      { retryForMs: 5_000 },
    );
    await expect(flaky.submit(7)).resolves.toBe(7);
    expect(calls).toBe(3);

    const down = new GroupCommit<number, number>(() => Promise.reject(new Error('down')));
    await expect(Promise.all([down.submit(1), down.submit(2)])).rejects.toThrow('down');
  });

  it('flushes: resolves once every submitted item is committed', async () => {
    const committed: number[] = [];
    const group = new GroupCommit<number, undefined>(async (items) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      committed.push(...items);
      return items.map(() => undefined);
    });
    for (const item of [1, 2, 3]) void group.submit(item);
    await group.flush();
    expect(committed).toEqual([1, 2, 3]);
  });

  it('lingers for a minimum batch, never longer than its linger', async () => {
    const { batches, commit } = recorder();
    const group = new GroupCommit<number, undefined>(commit, { minBatch: 3, lingerMs: 50 });
    const started = Date.now();
    await Promise.all([group.submit(1), group.submit(2), group.submit(3)]);
    await group.submit(4);
    expect(batches).toEqual([[1, 2, 3], [4]]);
    // The full batch went at once; the lone item waited out the linger.
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('asks a minimum batch given as a function before each commit', async () => {
    let minBatch = 2;
    const { batches, commit } = recorder();
    const group = new GroupCommit<number, undefined>(commit, { minBatch: () => minBatch, lingerMs: 10_000 });
    await Promise.all([group.submit(1), group.submit(2)]);
    // The fleet grew: a share is smaller, and a single item is a batch now.
    minBatch = 1;
    await group.submit(3);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('never waits for more than a commit may carry', async () => {
    const { batches, commit } = recorder();
    const group = new GroupCommit<number, undefined>(commit, { minBatch: 10, maxBatch: 2, lingerMs: 10_000 });
    await Promise.all([group.submit(1), group.submit(2)]);
    expect(batches).toEqual([[1, 2]]);
  });
});
