/**
 * bench:jobs — throughput of the job runtime against plain BullMQ, on each backend.
 * 20,000 no-op jobs over 100 tenants go through Tenantry's runtime (enqueue into job_runs, fair
 * dispatch, claim, run, record) and, in the same run, through a plain BullMQ Queue + Worker on the
 * same backend with the same worker concurrency (the anchor). Both are timed from the first
 * enqueue to the last completion. Progress goes to stderr; the last stdout line is one JSON object.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { JobHandler, JobType } from '@tenantry/jobs';
import { round, withTimeout } from './support/bench-services';
import { Backend, JobsPlatform, startJobsPlatform } from './support/jobs-platform';

const JOBS = 20_000;
const TENANTS = 100;
const CONCURRENCY = 16;
const PHASE_TIMEOUT_MS = 240_000;

const log = (line: string) => process.stderr.write(`[bench:jobs] ${line}\n`);

@JobType({ name: 'bench.noop', payload: z.object({ n: z.number().int() }) })
class NoopJob implements JobHandler<{ n: number }> {
  run(): Promise<void> {
    return Promise.resolve();
  }
}

async function ours(platform: JobsPlatform, tenants: readonly string[]): Promise<number> {
  const perTenant = JOBS / tenants.length;
  const started = performance.now();
  platform.startWorker();
  // Enqueued as an ISV's code would: one batch per tenant, a few tenants at a time.
  for (let index = 0; index < tenants.length; index += 4) {
    await Promise.all(
      tenants.slice(index, index + 4).map((tenant) =>
        platform.jobs.enqueueMany(
          tenant,
          Array.from({ length: perTenant }, (_, n) => ({ type: 'bench.noop', payload: { n } })),
        ),
      ),
    );
  }
  for (;;) {
    const [{ done }] = await platform.dataSource.query<{ done: number }[]>(
      `SELECT count(*)::int AS done FROM job_runs WHERE status = 'succeeded'`,
    );
    if (done >= JOBS) break;
    await sleep(20);
  }
  return JOBS / ((performance.now() - started) / 1000);
}

async function rawBullmq(platform: JobsPlatform, tenants: readonly string[]): Promise<number> {
  const name = 'bench-raw';
  const queue = platform.queues.createQueue(name);
  let completed = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const started = performance.now();
  const worker = platform.queues.createWorker(name, () => Promise.resolve(), { concurrency: CONCURRENCY });
  worker.on('completed', () => {
    completed += 1;
    if (completed === JOBS) allDone();
  });
  const perTenant = JOBS / tenants.length;
  for (const tenant of tenants) {
    await queue.addBulk(
      Array.from({ length: perTenant }, (_, n) => ({
        name: 'noop',
        data: { tenantId: tenant, n },
        opts: { removeOnComplete: true, removeOnFail: true },
      })),
    );
  }
  await finished;
  const rate = JOBS / ((performance.now() - started) / 1000);
  await worker.close();
  return rate;
}

async function measure(backend: Backend) {
  const env = {
    WORKER_CONCURRENCY: String(CONCURRENCY),
    JOBS_TENANT_MAX_QUEUED: String(JOBS),
    JOBS_GLOBAL_CONCURRENCY: process.env.GC ?? '64',
  };
  const anchor = await startJobsPlatform(backend, [NoopJob], env);
  let raw: number;
  try {
    const tenants = await anchor.activeTenants(TENANTS);
    log(`${backend}: plain BullMQ, ${JOBS} jobs, concurrency ${CONCURRENCY}`);
    raw = await withTimeout(`${backend} plain BullMQ`, PHASE_TIMEOUT_MS, rawBullmq(anchor, tenants));
  } finally {
    await anchor.close(log);
  }
  const platform = await startJobsPlatform(backend, [NoopJob], env);
  let tenantry: number;
  try {
    const tenants = await platform.activeTenants(TENANTS);
    log(`${backend}: Tenantry runtime, ${JOBS} jobs over ${TENANTS} tenants, concurrency ${CONCURRENCY}`);
    tenantry = await withTimeout(`${backend} Tenantry`, PHASE_TIMEOUT_MS, ours(platform, tenants));
  } finally {
    await platform.close(log);
  }
  log(`${backend}: ${round(tenantry, 0)} jobs/s vs plain BullMQ ${round(raw, 0)} jobs/s`);
  return {
    jobs_per_s: round(tenantry, 0),
    raw_bullmq_jobs_per_s: round(raw, 0),
    ratio_vs_raw_bullmq: round(tenantry / raw, 3),
  };
}

async function main(): Promise<void> {
  const redis = await measure('redis');
  const postgres = await measure('postgres');
  process.stdout.write(
    `${JSON.stringify({ ...redis, postgres, jobs: JOBS, tenants: TENANTS, worker_concurrency: CONCURRENCY, target_ratio_redis: 0.8 })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
