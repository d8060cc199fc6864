import { DispatchLimits, JobRunStore } from '@tenantry/jobs';
import { JobsTestbed, startJobsTestbed } from '@tenantry/testing';
import { TEST_JOB_TYPES } from './support/test-job-types';

/**
 * How one dispatch round shares its slots out (start-time fair queueing, in SQL), called directly
 * with no worker running, so each case sees exactly the runs it enqueued.
 */
describe('a dispatch round', () => {
  let bed: JobsTestbed;
  let store: JobRunStore;

  const limits = (overrides: Partial<DispatchLimits> = {}): DispatchLimits => ({
    globalConcurrency: 10,
    tenantConcurrency: 100,
    tierWeights: { standard: 1 },
    typeConcurrency: new Map(),
    leaseMs: 60_000,
    workerSlots: 4,
    ...overrides,
  });

  const tenantWith = async (queued: number, type = 'test.record'): Promise<string> => {
    const tenant = await bed.activeTenant();
    await bed.jobs.enqueueMany(
      tenant,
      Array.from({ length: queued }, (_, index) => ({ type, payload: { key: `k-${index}` } })),
    );
    return tenant;
  };

  const slotsOf = async (dispatchLimits: DispatchLimits) => {
    const runs = await store.dispatch(dispatchLimits);
    const slots: Record<string, number> = {};
    for (const run of runs) slots[run.tenantId] = (slots[run.tenantId] ?? 0) + 1;
    return { runs, slots };
  };

  beforeAll(async () => {
    bed = await startJobsTestbed({ queue: 'redis', types: TEST_JOB_TYPES });
    store = bed.app.get(JobRunStore);
  });

  afterAll(() => bed?.close());

  // Every case starts with nothing queued or in flight.
  afterEach(async () => {
    await bed.dataSource.query(
      `UPDATE job_runs SET status = 'cancelled', dispatch_id = NULL, lease_expires_at = NULL
       WHERE status IN ('queued', 'dispatched', 'running')`,
    );
    await bed.dataSource.query(`UPDATE tenant_job_queues SET queued = 0`);
    await bed.dataSource.query(`DELETE FROM job_holds`);
  });

  it('serves tenants with equal weights in turn, however deep one backlog is', async () => {
    const heavy = await tenantWith(50);
    const [a, b] = [await tenantWith(2), await tenantWith(2)];
    const { slots, runs } = await slotsOf(limits({ globalConcurrency: 6 }));
    expect(slots).toEqual({ [heavy]: 2, [a]: 2, [b]: 2 });
    // Handed to BullMQ in slot order: one of each before anyone's second.
    expect(new Set(runs.slice(0, 3).map((run) => run.tenantId)).size).toBe(3);
  });

  it('gives a lone tenant the whole capacity (work-conserving)', async () => {
    const only = await tenantWith(40);
    expect((await slotsOf(limits({ globalConcurrency: 32 }))).slots).toEqual({ [only]: 32 });
  });

  it('never exceeds a tenant limit or its queued runs, and counts what is in flight', async () => {
    const capped = await tenantWith(10);
    await bed.dataSource.query('UPDATE tenants SET max_concurrency = 3 WHERE tenant_id = $1', [capped]);
    const short = await tenantWith(1);
    expect((await slotsOf(limits())).slots).toEqual({ [capped]: 3, [short]: 1 });
    // Its three are still in flight: nothing more for it, and the global window shrank by four.
    const other = await tenantWith(10);
    expect((await slotsOf(limits())).slots).toEqual({ [other]: 6 });
  });

  it('splits by weight while both tenants have work', async () => {
    const premium = await tenantWith(20);
    await bed.dataSource.query(`UPDATE tenants SET tier = 'premium' WHERE tenant_id = $1`, [premium]);
    const standard = await tenantWith(20);
    const { slots } = await slotsOf(limits({ tierWeights: { standard: 1, premium: 4 } }));
    expect(slots).toEqual({ [premium]: 8, [standard]: 2 });
  });

  it('serves the tenant that is behind first', async () => {
    const ahead = await tenantWith(10);
    const behind = await tenantWith(10);
    await bed.dataSource.query(
      `UPDATE tenant_job_queues SET virtual_time = CASE tenant_id WHEN $1 THEN 50 ELSE 47.5 END
       WHERE tenant_id IN ($1, $2)`,
      [ahead, behind],
    );
    expect((await slotsOf(limits({ globalConcurrency: 4 }))).slots).toEqual({ [behind]: 3, [ahead]: 1 });
  });

  it('gives the slots of a type at its cap, or of runs not yet due, to the others', async () => {
    const typed = await tenantWith(6);
    const waiting = await tenantWith(6);
    await bed.dataSource.query(
      `UPDATE job_runs SET available_at = now() + interval '1 hour' WHERE tenant_id = $1 AND status = 'queued'`,
      [waiting],
    );
    const other = await tenantWith(10);
    const { slots } = await slotsOf(limits({ typeConcurrency: new Map([['test.record', 2]]) }));
    expect(slots).toEqual({ [typed]: 2, [other]: 2 });
    // Without the cap, the others take what the waiting tenant cannot.
    await bed.dataSource.query(`UPDATE job_runs SET status = 'cancelled' WHERE status = 'dispatched'`);
    expect((await slotsOf(limits())).slots).toEqual({ [typed]: 4, [other]: 6 });
  });

  it('records what runs did and fills the slots they freed in the same round', async () => {
    const tenant = await tenantWith(6);
    const first = await store.dispatch(limits({ globalConcurrency: 2 }));
    expect(first).toHaveLength(2);
    const [done, requeued] = first.map((run) => ({
      runId: run.id,
      dispatchId: run.dispatchId,
      attempt: run.attempt,
      startedAt: new Date(),
      progress: null,
    }));
    const second = await store.dispatch(limits({ globalConcurrency: 2 }), [
      { ...done, outcome: { kind: 'succeeded' } },
      { ...requeued, outcome: { kind: 'requeue', errorCode: 'tenant_throttled', errorMessage: 'Throttled.' } },
    ]);
    expect(second).toHaveLength(2);
    expect(await bed.run(done.runId)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(await bed.run(requeued.runId)).toMatchObject({ status: 'queued', attempts: 0 });
    // The tenant's count stays exact: six, two out, one back, two out.
    const [{ queued }] = await bed.dataSource.query<{ queued: number }[]>(
      'SELECT queued FROM tenant_job_queues WHERE tenant_id = $1',
      [tenant],
    );
    expect(queued).toBe(3);
    // A report of a dispatch that is no longer the run's changes nothing.
    await store.dispatch(limits({ globalConcurrency: 0 }), [
      { ...done, outcome: { kind: 'failed', errorCode: 'x', errorMessage: 'x' } },
    ]);
    expect(await bed.run(done.runId)).toMatchObject({ status: 'succeeded' });
  });

  it('hands consecutive slots to BullMQ in batches, as many as a worker has slots', async () => {
    const [a, b] = [await tenantWith(30), await tenantWith(30)];
    const batchesOf = (runs: { dispatchId: string; tenantId: string }[]) => {
      const sizes = new Map<string, number>();
      for (const run of runs) sizes.set(run.dispatchId, (sizes.get(run.dispatchId) ?? 0) + 1);
      // Each batch is a run of consecutive slots: its dispatch id never comes back after another.
      const order = runs.map((run) => run.dispatchId).filter((id, index, ids) => index === 0 || ids[index - 1] !== id);
      expect(new Set(order).size).toBe(order.length);
      return [...sizes.values()];
    };
    // Ten runs for four worker slots: batches of three (the last one shorter).
    const ten = await store.dispatch(limits({ globalConcurrency: 10 }));
    expect(batchesOf(ten)).toEqual([3, 3, 3, 1]);
    // A batch mixes tenants in slot order: fairness is not traded for it.
    expect(new Set(ten.slice(0, 2).map((run) => run.tenantId))).toEqual(new Set([a, b]));
    // Never more than MAX_RUNS_PER_BATCH, however many runs a worker slot would get.
    const many = await store.dispatch(limits({ globalConcurrency: 60, workerSlots: 1 }));
    expect(batchesOf(many)).toEqual([16, 16, 16, 2]);
    // One run on its own.
    await bed.dataSource.query(`UPDATE job_runs SET status = 'cancelled' WHERE status = 'dispatched'`);
    await tenantWith(1);
    const one = await store.dispatch(limits({ globalConcurrency: 1 }));
    expect(batchesOf(one)).toEqual([1]);
  });

  it('skips tenants that may not start anything, and everything while a hold is on', async () => {
    const paused = await tenantWith(5);
    await bed.registry.transition(paused, 'paused', { reason: 'operator', actor: 'test' });
    expect((await slotsOf(limits())).runs).toEqual([]);
    await tenantWith(5);
    await store.hold('application', new Date(Date.now() + 60_000), 'test');
    expect((await slotsOf(limits())).runs).toEqual([]);
  });
});
