import { JobDispatcher, JobRunStore } from '@tenantry/jobs';
import { JobsTestbed, startJobsTestbed } from '@tenantry/testing';
import { Journal, record, TEST_JOB_TYPES } from './support/test-job-types';

/**
 * An enqueue wakes the dispatcher. While the workers' reports keep rounds going, a wake's own
 * round is skipped when a later round saw the new runs; these tests make sure no wake is lost to
 * that: the poll is a minute away, so a run left for it would fail the test by its timeout.
 */
describe('dispatcher wakes', () => {
  let bed: JobsTestbed;

  beforeAll(async () => {
    bed = await startJobsTestbed({
      queue: 'redis',
      types: TEST_JOB_TYPES,
      env: {
        JOBS_POLL_INTERVAL_MS: '60000',
        JOBS_GLOBAL_CONCURRENCY: '8',
        WORKER_CONCURRENCY: '4',
        JOBS_TENANT_CONCURRENCY: '8',
        // Leases are checked every quarter of one, between rounds.
        JOBS_LEASE_MS: '5000',
      },
    });
    bed.startWorker();
  });

  afterAll(() => bed?.close());

  beforeEach(() => Journal.reset());

  it('dispatches runs enqueued while rounds are busy without waiting for the poll', async () => {
    const tenants = [await bed.activeTenant(), await bed.activeTenant(), await bed.activeTenant()];
    // Bursts land while earlier runs are running and being recorded, a few milliseconds apart.
    for (let burst = 0; burst < 12; burst += 1) {
      const tenant = tenants[burst % tenants.length];
      await bed.jobs.enqueueMany(
        tenant,
        Array.from({ length: 5 }, (_, n) => record(`${burst}-${n}`, 3)),
      );
      await new Promise((resolve) => setTimeout(resolve, burst % 3));
    }
    await bed.drained(15_000);
    expect(Journal.finishes).toHaveLength(60);
    // A lone run after everything went quiet: only its wake can dispatch it.
    await bed.jobs.enqueueMany(tenants[0], [record('last')]);
    await bed.drained(15_000);
    expect(Journal.finishes.map((finish) => finish.key)).toContain('last');
  });

  it("skips a wake's round when a workers' round that began after the wake dispatched", async () => {
    await bed.drained(15_000);
    const dispatcher = bed.app.get(JobDispatcher);
    const store = bed.app.get(JobRunStore);
    const dispatch = store.dispatch.bind(store);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const rounds: number[] = [];
    const spy = jest.spyOn(store, 'dispatch').mockImplementation(async (limits, events = []) => {
      rounds.push(events.length);
      if (rounds.length === 1) await gate;
      return dispatch(limits, events);
    });
    try {
      dispatcher.wake();
      while (rounds.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      // During that round: a wake, and the workers' next report (queued behind the round).
      dispatcher.wake();
      const reported = dispatcher.settle([]);
      release();
      await reported;
      // The wake's own round would follow at once; the poll is a minute away.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(rounds).toHaveLength(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('does not skip the round of a wake that came after the last round began', async () => {
    const tenant = await bed.activeTenant();
    // While 'slow' runs no worker reports, so no workers' round comes: only b's wake can hand b out.
    await bed.jobs.enqueueMany(tenant, [record('slow', 1500)]);
    while (Journal.starts.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await bed.jobs.enqueueMany(tenant, [record('b')]);
    await bed.drained(15_000);
    expect(Journal.finishes.map((finish) => finish.key)).toEqual(['b', 'slow']);
  });

  it('hands out runs it found lost even when a round ran while it looked for them', async () => {
    const tenant = await bed.activeTenant();
    const dispatcher = bed.app.get(JobDispatcher);
    const store = bed.app.get(JobRunStore);
    // The activation's wake is served (or covered) by this round, so no round takes the run below.
    await dispatcher.settle([]);
    // A run dispatched and never handed to BullMQ, its lease already over: lost.
    await store.enqueue(tenant, [{ ...record('lost'), maxAttempts: 3 }], 'test', 100);
    const [lost] = await store.dispatch({
      globalConcurrency: 1,
      tenantConcurrency: 1,
      tierWeights: {},
      typeConcurrency: new Map(),
      leaseMs: 1,
      workerSlots: 1,
    });
    expect(lost).toBeDefined();
    const reclaim = store.reclaim.bind(store);
    // The workers' round runs, and ends, before the lost run is back in the queue.
    const spy = jest.spyOn(store, 'reclaim').mockImplementationOnce(async (runs) => {
      await dispatcher.settle([]);
      return reclaim(runs);
    });
    try {
      // Past a quarter of the lease since the last check, so this wake's loop looks for lost runs.
      await new Promise((resolve) => setTimeout(resolve, 1300));
      dispatcher.wake();
      await bed.drained(5000);
      expect(spy).toHaveBeenCalled();
      expect(Journal.finishes.map((finish) => finish.key)).toEqual(['lost']);
    } finally {
      spy.mockRestore();
    }
  });
});
