import { ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'node:net';
import { freePort, JobsTestbed, startJobsTestbed } from '@tenantry/testing';
import { CREATE_ROWS_TABLE, enqueueRows, ROWS, unfinishedAfter } from './support/insert-rows';
import { TEST_JOB_TYPES } from './support/test-job-types';

const JOBS = 400;

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** A Redis of this suite's own, without persistence: a restart loses everything it held. */
async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  for (let tries = 0; tries < 100 && !(await listening(port)); tries += 1) await sleep(50);
  if (!(await listening(port))) throw new Error(`redis-server did not start on port ${port}`);
  return redis;
}

function kill(redis: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (redis.exitCode !== null || redis.signalCode !== null) return resolve();
    redis.once('exit', () => resolve());
    redis.kill('SIGKILL');
  });
}

/**
 * Redis killed mid-run and restarted empty (no persistence: the worst case): the worker carries
 * on without a restart of its own, and every job still runs — its run in PostgreSQL outlives the
 * BullMQ job that was lost.
 */
describe('Redis restarted in the middle of a run', () => {
  let port: number;
  let redis: ChildProcess;
  let bed: JobsTestbed;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    bed = await startJobsTestbed({
      queue: 'redis',
      types: TEST_JOB_TYPES,
      env: { REDIS_URL: `redis://127.0.0.1:${port}`, JOBS_LEASE_MS: '5000', WORKER_CONCURRENCY: '8' },
    });
    await bed.dataSource.query(CREATE_ROWS_TABLE);
  });

  afterAll(async () => {
    await bed?.close();
    if (redis) await kill(redis);
  });

  it('loses no job', async () => {
    const count = async (sql: string): Promise<number> => (await bed.dataSource.query(sql))[0].n as number;
    await enqueueRows(bed, 'redis', JOBS, 4);
    bed.startWorker();
    while ((await count(ROWS)) < JOBS / 4) await sleep(10);

    // Jobs are waiting in Redis (dispatched beyond what the 8 workers hold) when it dies.
    while ((await count(`SELECT count(*)::int AS n FROM job_runs WHERE status = 'dispatched'`)) <= 8) await sleep(1);
    await kill(redis);
    expect(await count(ROWS)).toBeLessThan(JOBS);
    await sleep(1000);
    redis = await startRedis(port);

    expect(await unfinishedAfter(count, 60_000)).toBe(0);
    expect(await count(ROWS)).toBe(JOBS);
  }, 120_000);
});
