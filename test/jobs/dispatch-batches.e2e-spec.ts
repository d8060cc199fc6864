import { setTimeout as sleep } from 'node:timers/promises';
import { DispatchedRun, JobRunStore } from '@tenantry/jobs';
import { QueueBackend, QueueName } from '@tenantry/queue';
import { JobsTestbed, startJobsTestbed } from '@tenantry/testing';
import { Journal, record, TEST_JOB_TYPES } from './support/test-job-types';

/**
 * Runs travel through BullMQ in batches (one job per dispatch); a batch's runs still share the
 * worker's slots one run at a time, and a batch delivered again runs only what had not ended.
 */
describe('batches of dispatched runs', () => {
  let bed: JobsTestbed;

  beforeAll(async () => {
    bed = await startJobsTestbed({
      queue: 'redis',
      types: TEST_JOB_TYPES,
      // Eight runs for two worker slots: one round hands them over in two batches of four.
      // A shutdown deadline of a second (half the timeout), for runs that outlive it.
      env: {
        JOBS_GLOBAL_CONCURRENCY: '8',
        WORKER_CONCURRENCY: '2',
        JOBS_TENANT_CONCURRENCY: '8',
        SHUTDOWN_TIMEOUT_MS: '2000',
      },
    });
  });

  afterAll(() => bed?.close());

  beforeEach(() => Journal.reset());

  // Before any worker starts, so this round is the only one.
  it('tells a redelivered batch which of its runs are still its own', async () => {
    const store = bed.app.get(JobRunStore);
    const tenant = await bed.activeTenant();
    await bed.jobs.enqueueMany(tenant, [record('a'), record('b'), record('c')]);
    const runs = await store.dispatch({
      globalConcurrency: 3,
      tenantConcurrency: 3,
      tierWeights: {},
      typeConcurrency: new Map(),
      leaseMs: 60_000,
      workerSlots: 1,
    });
    expect(new Set(runs.map((run) => run.dispatchId)).size).toBe(1);
    const [ended, ...open] = runs;
    await store.record(
      [
        {
          runId: ended.id,
          dispatchId: ended.dispatchId,
          attempt: 1,
          startedAt: new Date(),
          outcome: { kind: 'succeeded' },
          progress: null,
        },
      ],
      60_000,
    );
    const held = await store.stillDispatched(
      ended.dispatchId,
      runs.map((run) => run.id),
    );
    expect([...held.keys()].sort()).toEqual(open.map((run) => run.id).sort());
    expect(new Set(held.values())).toEqual(new Set(['dispatched']));
    // Nothing of it left in flight for the next case.
    await store.record(
      open.map((run) => ({
        runId: run.id,
        dispatchId: run.dispatchId,
        attempt: 1,
        startedAt: new Date(),
        outcome: { kind: 'succeeded' as const },
        progress: null,
      })),
      60_000,
    );
  });

  it('puts back the runs of a batch whose turn had not come when its worker stops', async () => {
    const tenant = await bed.activeTenant();
    const runs = await bed.jobs.enqueueMany(
      tenant,
      Array.from({ length: 8 }, (_, index) => record(`stopping-${index}`, 600)),
    );
    const worker = await bed.startProcess();
    worker.startWorker();
    // Both batches in the worker's hands (two BullMQ jobs active), two runs under way.
    const jobs = bed.app.get(QueueBackend).createQueue(QueueName.Jobs);
    while (Journal.starts.length < 2 || (await jobs.getActiveCount()) < 2) await sleep(5);
    // BullMQ waits for its jobs, whole batches: the two runs under way finish, the rest go back.
    await worker.close();
    expect(Journal.starts).toHaveLength(2);
    const states = await Promise.all(runs.map((run) => bed.run(run.id)));
    expect(states.filter((run) => run.status === 'succeeded')).toHaveLength(2);
    expect(states.filter((run) => run.status === 'queued' && run.attempts === 0)).toHaveLength(6);
    // Nothing of it left for the next case.
    await bed.app.get(JobRunStore).cancelQueued(tenant, 'test');
  });

  it('stops a run still going at the shutdown deadline, and puts it back with its attempt', async () => {
    const tenant = await bed.activeTenant();
    const [run] = await bed.jobs.enqueueMany(tenant, [record('outlives-the-deadline', 8000)]);
    const worker = await bed.startProcess();
    worker.startWorker();
    while (Journal.starts.length < 1) await sleep(5);
    await worker.close();
    expect(await bed.run(run.id)).toMatchObject({ status: 'queued', attempts: 0, error_code: 'worker_shutdown' });
    await bed.app.get(JobRunStore).cancelQueued(tenant, 'test');
  });

  it('lets a long run hold only its own slot: its batch-mates run on the other', async () => {
    const tenant = await bed.activeTenant();
    const [long, ...quickRuns] = await bed.jobs.enqueueMany(tenant, [
      record('long', 1500),
      ...Array.from({ length: 7 }, (_, index) => record(`quick-${index}`, 10)),
    ]);
    const rounds = jest.spyOn(bed.app.get(JobRunStore), 'dispatch');
    bed.startWorker();
    await bed.drained();

    // The long run travelled in one batch with quick ones.
    const dispatched = (
      await Promise.all(rounds.mock.results.map((result) => result.value as Promise<DispatchedRun[]>))
    ).flat();
    const batchOf = (id: string) => dispatched.find((run) => run.id === id)?.dispatchId;
    expect(batchOf(long.id)).toBeDefined();
    expect(quickRuns.filter((run) => batchOf(run.id) === batchOf(long.id)).length).toBeGreaterThan(0);
    rounds.mockRestore();

    const finished = (key: string) => Journal.finishes.find((finish) => finish.key === key)!.at;
    const quick = Array.from({ length: 7 }, (_, index) => finished(`quick-${index}`));
    expect(quick.every((at) => at < finished('long'))).toBe(true);
    // Never more than the worker's two slots at once.
    expect(Journal.maxRunning.get(tenant)).toBe(2);
  });
});

describe('batches for a fleet of worker processes', () => {
  it('cuts a round for the slots of every process serving the queue, not only its own', async () => {
    const bed = await startJobsTestbed({
      queue: 'redis',
      types: TEST_JOB_TYPES,
      env: { JOBS_GLOBAL_CONCURRENCY: '8', WORKER_CONCURRENCY: '2', JOBS_TENANT_CONCURRENCY: '8' },
    });
    try {
      // Two more worker processes on the queue, as BullMQ counts them (idle: they never fetch).
      const queues = bed.app.get(QueueBackend);
      for (let other = 0; other < 2; other += 1) {
        queues.createWorker(QueueName.Jobs, () => Promise.resolve(), { autorun: false });
      }
      while (((await queues.workersOf(QueueName.Jobs)) ?? 0) < 2) await sleep(10);
      const tenant = await bed.activeTenant();
      const rounds = jest.spyOn(bed.app.get(JobRunStore), 'dispatch');
      bed.startWorker();
      await bed.jobs.enqueueMany(
        tenant,
        Array.from({ length: 8 }, (_, index) => record(`fleet-${index}`)),
      );
      await bed.drained();

      const dispatched = (
        await Promise.all(rounds.mock.results.map((result) => result.value as Promise<DispatchedRun[]>))
      ).flat();
      const batches = new Map<string, number>();
      for (const run of dispatched) batches.set(run.dispatchId, (batches.get(run.dispatchId) ?? 0) + 1);
      // Eight runs for three processes of two slots (or four, if this one was not counted yet):
      // batches of two. This process alone would have been handed two batches of four.
      expect(dispatched).toHaveLength(8);
      expect([...batches.values()]).toEqual([2, 2, 2, 2]);
    } finally {
      await bed.close();
    }
  });
});
