import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobsTestbed, startJobsTestbed } from '@tenantry/testing';
import { CREATE_ROWS_TABLE, enqueueRows, ROWS, unfinishedAfter } from './support/insert-rows';
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
    await bed.dataSource.query(CREATE_ROWS_TABLE);
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
    await enqueueRows(bed, 'postgres', JOBS, 4);
    bed.startWorker();
    while ((await count(ROWS)) < JOBS / 4) await sleep(10);

    expect(await outage(1500)).toBeGreaterThan(0);
    expect(await count(ROWS)).toBeLessThan(JOBS);

    expect(await unfinishedAfter(count, 60_000)).toBe(0);
    expect(await count(ROWS)).toBe(JOBS);
  }, 120_000);
});
