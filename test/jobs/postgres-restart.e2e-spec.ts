import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobsTestbed, startJobsTestbed } from '@tenantry/testing';
import { TEST_JOB_TYPES } from './support/test-job-types';

const JOBS = 400;

/**
 * PostgreSQL goes away mid-run, as a restart or a failover looks to its clients: every session
 * of the database is terminated, again and again for a while. The worker is not restarted; when
 * the database answers again every job has run, exactly once in effect.
 */
describe.each(['redis', 'postgres'] as const)('PostgreSQL restarted mid-run, on the %s backend', (queue) => {
  let bed: JobsTestbed;

  beforeAll(async () => {
    bed = await startJobsTestbed({
      queue,
      types: TEST_JOB_TYPES,
      env: { JOBS_LEASE_MS: '5000', WORKER_CONCURRENCY: '8' },
    });
    await bed.dataSource.query('CREATE TABLE crash_rows (key text PRIMARY KEY, pid integer NOT NULL)');
  });

  afterAll(() => bed?.close());

  /** A query from the test itself, through a connection of its own that survives the outage. */
  const count = async (sql: string): Promise<number> => {
    for (;;) {
      const client = new Client({ connectionString: bed.database.url });
      // Terminated by the outage between two calls: the error is the point, not a crash.
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.query<{ n: number }>(sql)).rows[0].n;
      } catch {
        await sleep(100);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  };

  /** Terminates every other session of the test database, repeatedly, for `ms`. */
  const outage = async (ms: number): Promise<number> => {
    const admin = new Client({ connectionString: process.env.TEST_POSTGRES_URL });
    await admin.connect();
    let terminated = 0;
    try {
      for (const until = Date.now() + ms; Date.now() < until; await sleep(50)) {
        const { rowCount } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
          [bed.database.name],
        );
        terminated += rowCount ?? 0;
      }
    } finally {
      await admin.end();
    }
    return terminated;
  };

  it('loses no job and runs each one once in effect', async () => {
    for (let tenant = 0; tenant < 4; tenant += 1) {
      const tenantId = await bed.activeTenant();
      await bed.jobs.enqueueMany(
        tenantId,
        Array.from({ length: JOBS / 4 }, (_, n) => ({ type: 'test.insert-row', payload: { key: `${tenant}-${n}` } })),
      );
    }
    bed.startWorker();
    while ((await count('SELECT count(*)::int AS n FROM crash_rows')) < JOBS / 4) await sleep(10);

    expect(await outage(1500)).toBeGreaterThan(0);
    expect(await count('SELECT count(*)::int AS n FROM crash_rows')).toBeLessThan(JOBS);

    const deadline = Date.now() + 60_000;
    const unfinished = `SELECT count(*)::int AS n FROM job_runs WHERE status <> 'succeeded'`;
    while ((await count(unfinished)) > 0 && Date.now() < deadline) await sleep(100);
    expect(await count(unfinished)).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM crash_rows')).toBe(JOBS);
  }, 120_000);
});
