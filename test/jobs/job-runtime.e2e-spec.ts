import { setTimeout as sleep } from 'node:timers/promises';
import {
  IdempotencyKeyReusedError,
  JobDispatcher,
  InvalidJobPayloadError,
  TooManyQueuedJobsError,
  UnknownJobTypeError,
} from '@tenantry/jobs';
import { JobsTestbed, startJobsTestbed } from '@tenantry/testing';
import { Journal, record, TEST_JOB_TYPES } from './support/test-job-types';

/** The job runtime's core promises, on both BullMQ backends, against real PostgreSQL and Redis. */
describe.each(['redis', 'postgres'] as const)('the job runtime on the %s backend', (queue) => {
  let bed: JobsTestbed;

  beforeAll(async () => {
    bed = await startJobsTestbed({
      queue,
      types: TEST_JOB_TYPES,
      env: { JOBS_GLOBAL_CONCURRENCY: '4', WORKER_CONCURRENCY: '4', JOBS_TENANT_CONCURRENCY: '2' },
    });
  });

  afterAll(() => bed?.close());

  beforeEach(() => Journal.reset());

  it('serves tenants in turn: light tenants never wait behind a heavy backlog (order, not time)', async () => {
    const heavy = await bed.activeTenant();
    const light = await Promise.all(Array.from({ length: 5 }, () => bed.activeTenant()));
    await bed.jobs.enqueueMany(
      heavy,
      Array.from({ length: 60 }, (_, index) => record(`heavy-${index}`, 2)),
    );
    for (const tenant of light) await bed.jobs.enqueueMany(tenant, [record('light-0', 2), record('light-1', 2)]);

    bed.startWorker();
    await bed.drained();

    const order = Journal.starts.map((start) => start.tenantId);
    expect(order).toHaveLength(70);
    const lastLight = Math.max(...light.map((tenant) => order.lastIndexOf(tenant)));
    // Round-robin over six tenants serves both jobs of every light tenant within the first two
    // rounds (12 starts) plus what was in flight; FIFO would put them after all 60 heavy jobs.
    expect(lastLight).toBeLessThan(16);
    // And the heavy tenant was not starved meanwhile.
    expect(order.slice(0, 16).filter((tenant) => tenant === heavy).length).toBeGreaterThanOrEqual(3);
  });

  it('never runs more of a tenant at once than its limit, and honours a per-tenant override', async () => {
    bed.startWorker();
    const capped = await bed.activeTenant();
    const other = await bed.activeTenant();
    await bed.dataSource.query('UPDATE tenants SET max_concurrency = 1 WHERE tenant_id = $1', [capped]);
    await bed.jobs.enqueueMany(
      capped,
      Array.from({ length: 12 }, (_, index) => record(`c-${index}`, 15)),
    );
    await bed.jobs.enqueueMany(
      other,
      Array.from({ length: 12 }, (_, index) => record(`o-${index}`, 15)),
    );
    await bed.drained();
    expect(Journal.maxRunning.get(capped)).toBe(1);
    expect(Journal.maxRunning.get(other)).toBe(2);
  });

  it('keeps a job type to its per-tenant concurrency', async () => {
    bed.startWorker();
    const tenant = await bed.activeTenant();
    await bed.jobs.enqueueMany(
      tenant,
      Array.from({ length: 6 }, (_, index) => ({
        type: 'test.exclusive',
        payload: { key: `x-${index}`, sleepMs: 15 },
      })),
    );
    await bed.drained();
    expect(Journal.starts).toHaveLength(6);
    expect(Journal.maxRunning.get(tenant)).toBe(1);
  });

  it('makes only the throttled tenant wait, for its Retry-After, without spending an attempt', async () => {
    bed.startWorker();
    const throttled = await bed.activeTenant();
    const others = await Promise.all([bed.activeTenant(), bed.activeTenant()]);
    // One job in flight at a time, so the throttle reported by the first holds back the second.
    await bed.dataSource.query('UPDATE tenants SET max_concurrency = 1 WHERE tenant_id = $1', [throttled]);
    Journal.throttleNext.set(throttled, 1500);
    const [run] = await bed.jobs.enqueueMany(throttled, [record('t-0'), record('t-1')]);
    for (const tenant of others) {
      await bed.jobs.enqueueMany(
        tenant,
        Array.from({ length: 6 }, (_, index) => record(`${tenant}-${index}`, 5)),
      );
    }
    const enqueuedAt = Date.now();
    await bed.drained();

    const starts = Journal.starts.filter((start) => start.tenantId === throttled);
    expect(starts).toHaveLength(2);
    expect(Math.min(...starts.map((start) => start.at)) - enqueuedAt).toBeGreaterThanOrEqual(1400);
    const othersDone = Math.max(
      ...Journal.finishes.filter((finish) => finish.tenantId !== throttled).map((finish) => finish.at),
    );
    expect(othersDone).toBeLessThan(Math.min(...starts.map((start) => start.at)));
    expect(await bed.run(run.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('holds the jobs of paused and needs-attention tenants, and lets them flow again', async () => {
    bed.startWorker();
    const paused = await bed.activeTenant();
    const flagged = await bed.activeTenant();
    await bed.registry.pause(paused, 'test', 'maintenance');
    await bed.registry.transition(flagged, 'needs_attention', {
      reason: 'consent_revoked',
      attentionReason: 'consent_revoked',
      actor: 'test',
    });
    const [held] = await bed.jobs.enqueueMany(paused, [record('p-0')]);
    const [flaggedRun] = await bed.jobs.enqueueMany(flagged, [record('f-0')]);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await bed.run(held.id)).toMatchObject({ status: 'queued', attempts: 0 });
    expect(await bed.run(flaggedRun.id)).toMatchObject({ status: 'queued', attempts: 0 });

    await bed.registry.resume(paused, 'test');
    await bed.registry.transition(flagged, 'active', { reason: 'consent_verified', actor: 'test' });
    await bed.drained();
    expect(await bed.run(held.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(await bed.run(flaggedRun.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('cancels the queued jobs of an offboarded tenant, and takes no new ones', async () => {
    const tenant = await bed.activeTenant();
    await bed.registry.pause(tenant, 'test');
    const runs = await bed.jobs.enqueueMany(tenant, [record('gone-0'), record('gone-1')]);
    await bed.registry.transition(tenant, 'offboarded', { reason: 'offboarded', actor: 'test' });
    for (const run of runs) expect(await bed.run(run.id)).toMatchObject({ status: 'cancelled' });
    await expect(bed.jobs.enqueue(tenant, record('late'))).rejects.toMatchObject({ code: 'tenant_not_accepting_jobs' });
  });

  it('returns the first run for a repeated idempotency key, and refuses the key for another type', async () => {
    bed.startWorker();
    const tenant = await bed.activeTenant();
    const first = await bed.jobs.enqueue(tenant, { ...record('once'), idempotencyKey: 'import-2026-11-24' });
    const again = await bed.jobs.enqueue(tenant, { ...record('twice'), idempotencyKey: 'import-2026-11-24' });
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, type: 'test.record', created: false });
    await expect(
      bed.jobs.enqueue(tenant, { type: 'test.fail', payload: {}, idempotencyKey: 'import-2026-11-24' }),
    ).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    await bed.drained();
    expect(Journal.starts.filter((start) => start.tenantId === tenant).map((start) => start.key)).toEqual(['once']);
  });

  it('refuses beyond a tenant queue cap, whole batch at once', async () => {
    const tenant = await bed.activeTenant();
    await bed.registry.pause(tenant, 'test');
    await bed.dataSource.query('UPDATE tenants SET max_queued_jobs = 3 WHERE tenant_id = $1', [tenant]);
    await bed.jobs.enqueueMany(tenant, [record('q-0'), record('q-1')]);
    await expect(bed.jobs.enqueueMany(tenant, [record('q-2'), record('q-3')])).rejects.toBeInstanceOf(
      TooManyQueuedJobsError,
    );
    await bed.jobs.enqueue(tenant, record('q-2'));
    const [{ queued }] = await bed.dataSource.query('SELECT queued FROM tenant_job_queues WHERE tenant_id = $1', [
      tenant,
    ]);
    expect(queued).toBe(3);
  });

  it('refuses unknown types, bad payloads and payloads that carry secrets', async () => {
    const tenant = await bed.activeTenant();
    await expect(bed.jobs.enqueue(tenant, { type: 'test.nope' })).rejects.toBeInstanceOf(UnknownJobTypeError);
    await expect(bed.jobs.enqueue(tenant, { type: 'test.record', payload: { key: 7 } })).rejects.toBeInstanceOf(
      InvalidJobPayloadError,
    );
    await expect(
      bed.jobs.enqueue(tenant, { type: 'test.record', payload: { key: 'eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ4In0.c2ln' } }),
    ).rejects.toBeInstanceOf(InvalidJobPayloadError);
  });

  it('retries a failing job with backoff, then records it failed with its error', async () => {
    bed.startWorker();
    const tenant = await bed.activeTenant();
    const run = await bed.jobs.enqueue(tenant, { type: 'test.fail' });
    await bed.drained();
    expect(await bed.run(run.id)).toMatchObject({ status: 'failed', attempts: 3, error_code: 'job_error' });
  });

  it('puts back a run of a type this worker does not know (newer code enqueued it), then fails it when its attempts are spent', async () => {
    bed.startWorker();
    const tenant = await bed.activeTenant();
    // Enqueue refuses types it does not know: written as a newer version's enqueue would have.
    const [{ id }] = await bed.dataSource.query<{ id: string }[]>(
      `WITH added AS (
         INSERT INTO job_runs (tenant_id, type, payload, status, max_attempts, enqueued_by)
         VALUES ($1, 'test.from-newer-code', '{}', 'queued', 2, 'test') RETURNING id),
       counted AS (
         INSERT INTO tenant_job_queues (tenant_id, queued) VALUES ($1, 1)
         ON CONFLICT (tenant_id) DO UPDATE SET queued = tenant_job_queues.queued + 1)
       SELECT id FROM added`,
      [tenant],
    );
    const settled = async (attempts: number) => {
      for (let run = await bed.run(id); run.attempts < attempts || run.status !== 'queued'; run = await bed.run(id)) {
        if (run.status === 'failed') return run;
        await sleep(25);
      }
      return bed.run(id);
    };
    expect(await settled(1)).toMatchObject({ status: 'queued', attempts: 1, error_code: 'unknown_job_type' });
    const [{ waits }] = await bed.dataSource.query<{ waits: boolean }[]>(
      `SELECT available_at > now() + interval '20 seconds' AS waits FROM job_runs WHERE id = $1`,
      [id],
    );
    expect(waits).toBe(true);
    // Its second and last attempt, still on a worker that does not know the type.
    await bed.dataSource.query(`UPDATE job_runs SET available_at = now() WHERE id = $1`, [id]);
    expect(await settled(2)).toMatchObject({ status: 'failed', attempts: 2, error_code: 'unknown_job_type' });
  });

  it('prunes finished runs past the retention period, never unfinished ones', async () => {
    const tenant = await bed.activeTenant();
    const held = await bed.activeTenant();
    await bed.registry.pause(held, 'test');
    bed.startWorker();
    const [done, recent] = await bed.jobs.enqueueMany(tenant, [record('old-done'), record('recent-done')]);
    const [waiting] = await bed.jobs.enqueueMany(held, [record('old-waiting')]);
    await bed.drained();
    const longAgo = new Date(Date.now() - (bed.config.jobs.runRetentionDays + 1) * 24 * 3600 * 1000);
    await bed.dataSource.query('UPDATE job_runs SET enqueued_at = $1 WHERE id = ANY($2::bigint[])', [
      longAgo,
      [done.id, waiting.id],
    ]);

    await bed.app.get(JobDispatcher).pruneHistory();

    expect(await bed.run(done.id)).toBeUndefined();
    expect(await bed.run(recent.id)).toMatchObject({ status: 'succeeded' });
    expect(await bed.run(waiting.id)).toMatchObject({ status: 'queued' });
  });

  it('keeps the queued count of every tenant exact', async () => {
    const rows = await bed.dataSource.query(
      `SELECT q.tenant_id, q.queued, (SELECT count(*)::int FROM job_runs r WHERE r.tenant_id = q.tenant_id AND r.status = 'queued') AS actual
       FROM tenant_job_queues q`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.queued).toBe(row.actual);
  });
});
