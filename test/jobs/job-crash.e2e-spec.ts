import { setTimeout as sleep } from 'node:timers/promises';
import { JobsTestbed, RunningEntryPoint, startEntryPoint, startJobsTestbed } from '@tenantry/testing';
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
    await bed.dataSource.query('CREATE TABLE crash_rows (key text PRIMARY KEY)');
  });

  afterAll(async () => {
    for (const worker of workers) await worker.stop('SIGKILL');
    await bed?.close();
  });

  const startWorker = async (): Promise<RunningEntryPoint> => {
    const worker = startEntryPoint('test/jobs/probes/crash-worker.probe.ts', {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: bed.database.url,
      QUEUE_PREFIX: bed.config.queue.prefix,
      ...(bed.config.queue.redisUrl ? { REDIS_URL: bed.config.queue.redisUrl } : {}),
      WORKER_CONCURRENCY: '8',
      JOBS_LEASE_MS: '5000',
      JOBS_POLL_INTERVAL_MS: '100',
    });
    workers.push(worker);
    await worker.waitFor(/worker ready/, 60_000);
    return worker;
  };

  const count = async (sql: string): Promise<number> => (await bed.dataSource.query(sql))[0].n as number;

  it('ends with exactly one row per job after a new worker finishes', async () => {
    for (let tenant = 0; tenant < TENANTS; tenant += 1) {
      const tenantId = await bed.activeTenant();
      await bed.jobs.enqueueMany(
        tenantId,
        Array.from({ length: JOBS / TENANTS }, (_, n) => ({
          type: 'test.insert-row',
          payload: { key: `${tenant}-${n}` },
        })),
      );
    }

    const first = await startWorker();
    while ((await count('SELECT count(*)::int AS n FROM crash_rows')) < JOBS / 4) await sleep(20);
    expect(await first.stop('SIGKILL')).toBeNull();
    const rowsAtKill = await count('SELECT count(*)::int AS n FROM crash_rows');
    expect(rowsAtKill).toBeLessThan(JOBS);

    await startWorker();
    const deadline = Date.now() + 90_000;
    while (
      (await count(`SELECT count(*)::int AS n FROM job_runs WHERE status = 'succeeded'`)) < JOBS &&
      Date.now() < deadline
    ) {
      await sleep(100);
    }
    expect(await count(`SELECT count(*)::int AS n FROM job_runs WHERE status = 'succeeded'`)).toBe(JOBS);
    expect(await count('SELECT count(*)::int AS n FROM crash_rows')).toBe(JOBS);
  }, 150_000);
});
