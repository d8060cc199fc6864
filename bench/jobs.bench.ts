/**
 * bench:jobs — throughput of the job runtime against plain BullMQ, on each backend.
 * 20,000 no-op jobs over 100 tenants go through Tenantry's runtime (enqueue into job_runs, fair
 * dispatch, claim, run, record) and, in the same run, through a plain BullMQ Queue + Worker on the
 * same backend with the same worker concurrency (the anchor), alternating, three times each; the
 * medians are reported. Both are timed from the first enqueue to the last completion. Progress goes to stderr; the last stdout line is one JSON object.
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
const REPEATS = 3;

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
    // Cheap to ask (a counter and a small index), so the polling does not tax the runtime.
    const [{ left }] = await platform.dataSource.query<{ left: number }[]>(
      `SELECT (SELECT COALESCE(sum(queued), 0) FROM tenant_job_queues)::int
            + (SELECT count(*) FROM job_runs WHERE status IN ('dispatched', 'running'))::int AS left`,
    );
    if (left === 0) break;
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

async function once(backend: Backend, kind: 'raw' | 'tenantry'): Promise<number> {
  const env = { WORKER_CONCURRENCY: String(CONCURRENCY), JOBS_TENANT_MAX_QUEUED: String(JOBS) };
  const platform = await startJobsPlatform(backend, [NoopJob], env);
  try {
    const tenants = await platform.activeTenants(TENANTS);
    const run = kind === 'raw' ? rawBullmq(platform, tenants) : ours(platform, tenants);
    return await withTimeout(`${backend} ${kind}`, PHASE_TIMEOUT_MS, run);
  } finally {
    await platform.close(log);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Anchor and runtime alternate, REPEATS times each, so a noisy neighbour hits both alike. */
async function measure(backend: Backend) {
  const raw: number[] = [];
  const tenantry: number[] = [];
  for (let repeat = 1; repeat <= REPEATS; repeat += 1) {
    raw.push(await once(backend, 'raw'));
    tenantry.push(await once(backend, 'tenantry'));
    log(
      `${backend} #${repeat}: Tenantry ${round(tenantry.at(-1)!, 0)} jobs/s, plain BullMQ ${round(raw.at(-1)!, 0)} jobs/s`,
    );
  }
  return {
    jobs_per_s: round(median(tenantry), 0),
    raw_bullmq_jobs_per_s: round(median(raw), 0),
    ratio_vs_raw_bullmq: round(median(tenantry) / median(raw), 3),
    ratios_per_repeat: tenantry.map((rate, index) => round(rate / raw[index], 3)),
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
