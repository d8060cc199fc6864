import { setTimeout as sleep } from 'node:timers/promises';
import { JobsTestbed, RunningEntryPoint, startEntryPoint, startJobsTestbed } from '@tenantry/testing';
import { CREATE_ROWS_TABLE, enqueueRows, ROWS, unfinishedAfter } from './support/insert-rows';
import { TEST_JOB_TYPES } from './support/test-job-types';

const JOBS = 1000;
const TENANTS = 10;

/**
 * Nothing is lost when a worker dies: SIGKILL a worker process in the middle of 1,000 jobs whose
 * handlers each insert one row under an idempotency key; a new worker finishes the rest.
 */
describe.each(['redis', 'postgres'] as const)('a worker killed mid-run on the %s backend', (queue) => {
  let bed: JobsTestbed;
  const workers: RunningEntryPoint[] = [];

  beforeAll(async () => {
    bed = await startJobsTestbed({ queue, types: TEST_JOB_TYPES });
    await bed.dataSource.query(CREATE_ROWS_TABLE);
  });

  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop('SIGKILL');
  });

  afterAll(() => bed?.close());

  const startWorker = async (env: Record<string, string> = {}): Promise<RunningEntryPoint> => {
    const worker = startEntryPoint('test/jobs/probes/crash-worker.probe.ts', {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: bed.database.url,
      QUEUE_PREFIX: bed.config.queue.prefix,
      ...(bed.config.queue.redisUrl ? { REDIS_URL: bed.config.queue.redisUrl } : {}),
      WORKER_CONCURRENCY: '8',
      JOBS_LEASE_MS: '5000',
      JOBS_POLL_INTERVAL_MS: '100',
      TENANTRY_TEST_KILLABLE: '1',
      ...env,
    });
    workers.push(worker);
    await worker.waitFor(/worker ready/, 60_000);
    return worker;
  };

  const count = async (sql: string): Promise<number> => (await bed.dataSource.query(sql))[0].n as number;

  /** Starts a worker again each time one dies, until the run has ended; returns the deaths. */
  const restartingWorkersUntilEnded = async (runId: string, env: Record<string, string> = {}): Promise<number> => {
    let worker = await startWorker(env);
    let deaths = 0;
    const deadline = Date.now() + 100_000;
    const status = async () => (await bed.run(runId)).status;
    while (!['failed', 'succeeded'].includes(await status()) && Date.now() < deadline) {
      if (worker.hasExited()) {
        deaths += 1;
        worker = await startWorker(env);
      }
      await sleep(200);
    }
    return deaths;
  };

  it('ends with exactly one row per job after a new worker finishes', async () => {
    await enqueueRows(bed, 'crash', JOBS, TENANTS);

    const first = await startWorker();
    while ((await count(ROWS)) < JOBS / 4) await sleep(20);
    expect(await first.stop('SIGKILL')).toBeNull();
    const rowsAtKill = await count(ROWS);
    expect(rowsAtKill).toBeLessThan(JOBS);

    await startWorker();
    await unfinishedAfter(count, 90_000);
    expect(await count(`SELECT count(*)::int AS n FROM job_runs WHERE status = 'succeeded'`)).toBe(JOBS);
    expect(await count(ROWS)).toBe(JOBS);
  }, 150_000);

  it('shares the load between worker processes', async () => {
    await bed.dataSource.query('TRUNCATE crash_rows');
    await enqueueRows(bed, 'shared', 400, 4);
    await Promise.all([startWorker(), startWorker()]);
    expect(await unfinishedAfter(count, 60_000)).toBe(0);
    expect(await count(ROWS)).toBe(400);
    expect(await count('SELECT count(DISTINCT pid)::int AS n FROM crash_rows')).toBe(2);
  }, 120_000);

  it('stops gracefully on SIGTERM: what runs finishes and is recorded, the rest waits for the next worker', async () => {
    await bed.dataSource.query('TRUNCATE crash_rows');
    await enqueueRows(bed, 'graceful', 300, 3);
    const worker = await startWorker();
    while ((await count(ROWS)) < 50) await sleep(10);
    expect(await worker.stop('SIGTERM')).toBe(0);
    // Every job whose row landed was recorded as succeeded before the process exited.
    expect(
      await count(`SELECT count(*)::int AS n FROM job_runs r JOIN crash_rows c ON c.key = r.payload->>'key'
                   WHERE r.status <> 'succeeded'`),
    ).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM job_runs WHERE status = 'running'`)).toBe(0);

    await startWorker();
    expect(await unfinishedAfter(count, 60_000)).toBe(0);
    expect(await count(ROWS)).toBe(300);
  }, 120_000);

  it('fails a job that kills every worker that runs it, after its attempts, instead of looping', async () => {
    const tenantId = await bed.activeTenant();
    const run = await bed.jobs.enqueue(tenantId, { type: 'test.kill-worker' });
    const deaths = await restartingWorkersUntilEnded(run.id);
    expect(await bed.run(run.id)).toMatchObject({ status: 'failed', error_code: 'worker_lost', attempts: 1 });
    // Its one attempt: delivered, redelivered once after the first worker died, then given up.
    expect(deaths).toBeGreaterThanOrEqual(1);
    expect(deaths).toBeLessThanOrEqual(3);
  }, 150_000);

  it('charges a killer’s batch-mate nothing when the redelivery never reached it, though it ran before', async () => {
    await bed.dataSource.query('TRUNCATE crash_rows');
    const tenantId = await bed.activeTenant();
    // Two slots, three runs: the killer and a long mate in one batch, a quick run in another. The
    // mate is marked running (past half a second) before the killer strikes; the redelivery runs
    // the killer first, alone, so the mate never starts again before the third delivery.
    const [killer, mate, quick] = await bed.jobs.enqueueMany(tenantId, [
      { type: 'test.kill-worker', payload: { afterMs: 900 } },
      { type: 'test.record', payload: { key: 'long-mate', sleepMs: 2000 } },
      { type: 'test.record', payload: { key: 'quick' } },
    ]);
    expect(await restartingWorkersUntilEnded(killer.id, { WORKER_CONCURRENCY: '2' })).toBe(2);
    expect(await bed.run(killer.id)).toMatchObject({ status: 'failed', error_code: 'worker_lost', attempts: 1 });
    const deadline = Date.now() + 30_000;
    const ended = async () => [(await bed.run(mate.id)).status, (await bed.run(quick.id)).status];
    while ((await ended()).some((status) => status !== 'succeeded') && Date.now() < deadline) await sleep(100);
    expect(await bed.run(mate.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    // The quick run only makes the batches; it may have been running at a death, and pay for it.
    expect(await bed.run(quick.id)).toMatchObject({ status: 'succeeded' });
  }, 150_000);

  it('charges a killer’s batch-mates nothing when they had not started', async () => {
    await bed.dataSource.query('TRUNCATE crash_rows');
    const tenantId = await bed.activeTenant();
    // One worker slot, four runs of the tenant in one round: one batch, the killer first in it.
    const [killer] = await bed.jobs.enqueueMany(tenantId, [
      { type: 'test.kill-worker' },
      ...Array.from({ length: 3 }, (_, n) => ({ type: 'test.insert-row', payload: { key: `mate-${n}` } })),
    ]);
    const deaths = await restartingWorkersUntilEnded(killer.id, { WORKER_CONCURRENCY: '1' });
    expect(await bed.run(killer.id)).toMatchObject({ status: 'failed', error_code: 'worker_lost', attempts: 1 });
    expect(deaths).toBe(2);
    const mates = `SELECT count(*)::int AS n FROM job_runs WHERE payload->>'key' LIKE 'mate-%'`;
    const deadline = Date.now() + 30_000;
    while ((await count(`${mates} AND status <> 'succeeded'`)) > 0 && Date.now() < deadline) await sleep(100);
    // Put back with their attempts when the killer was found out, then run once each.
    expect(await count(`${mates} AND status = 'succeeded' AND attempts = 1`)).toBe(3);
    expect(await count(ROWS)).toBe(3);
  }, 150_000);
});
