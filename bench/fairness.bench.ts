/**
 * bench:fairness — does a light tenant's job wait behind a heavy tenant's backlog?
 * One heavy tenant enqueues 10,000 jobs, then 50 light tenants enqueue 10 each; every job takes
 * 2 ms. The same workload runs through Tenantry's runtime and, in the same run, through a plain
 * BullMQ FIFO queue with the same worker concurrency (the anchor), on Redis. A light job's latency
 * runs from its tenant's enqueue to its end. The ideal is a perfect round-robin over the 51
 * tenants on the same workers, computed from the measured job time. Progress goes to stderr; the
 * last stdout line is one JSON object.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { JobContext, JobHandler, JobType } from '@tenantry/jobs';
import { percentile, round, withTimeout } from './support/bench-services';
import { JobsPlatform, startJobsPlatform } from './support/jobs-platform';

const HEAVY_JOBS = 10_000;
const LIGHT_TENANTS = 50;
const LIGHT_JOBS = 10;
const JOB_MS = 2;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const PHASE_TIMEOUT_MS = 300_000;

const log = (line: string) => process.stderr.write(`[bench:fairness] ${line}\n`);

/** End times per tenant and how long the 2 ms of work really took, from inside the handlers. */
const journal = { ends: new Map<string, number[]>(), workMs: [] as number[] };

function work(tenantId: string): Promise<void> {
  const started = performance.now();
  return sleep(JOB_MS).then(() => {
    const ended = performance.now();
    journal.workMs.push(ended - started);
    const ends = journal.ends.get(tenantId) ?? [];
    ends.push(ended);
    journal.ends.set(tenantId, ends);
  });
}

@JobType({ name: 'bench.work', payload: z.object({ n: z.number().int() }) })
class WorkJob implements JobHandler<{ n: number }> {
  run(_payload: { n: number }, context: JobContext): Promise<void> {
    return work(context.tenantId);
  }
}

interface Outcome {
  readonly lightLatencies: number[];
  readonly heavyTotalMs: number;
}

async function waitForEnds(total: number): Promise<void> {
  for (;;) {
    let ended = 0;
    for (const ends of journal.ends.values()) ended += ends.length;
    if (ended >= total) return;
    await sleep(10);
  }
}

function outcomeOf(heavy: string, light: readonly string[], enqueuedAt: Map<string, number>, start: number): Outcome {
  const lightLatencies = light.flatMap((tenant) =>
    (journal.ends.get(tenant) ?? []).map((end) => end - (enqueuedAt.get(tenant) as number)),
  );
  const heavyEnds = journal.ends.get(heavy) ?? [];
  return { lightLatencies, heavyTotalMs: Math.max(...heavyEnds) - start };
}

async function tenantry(platform: JobsPlatform, heavy: string, light: readonly string[]): Promise<Outcome> {
  const enqueuedAt = new Map<string, number>();
  platform.startWorker();
  const start = performance.now();
  await platform.jobs.enqueueMany(
    heavy,
    Array.from({ length: HEAVY_JOBS }, (_, n) => ({ type: 'bench.work', payload: { n } })),
  );
  for (const tenant of light) {
    enqueuedAt.set(tenant, performance.now());
    await platform.jobs.enqueueMany(
      tenant,
      Array.from({ length: LIGHT_JOBS }, (_, n) => ({ type: 'bench.work', payload: { n } })),
    );
  }
  await waitForEnds(HEAVY_JOBS + LIGHT_TENANTS * LIGHT_JOBS);
  return outcomeOf(heavy, light, enqueuedAt, start);
}

async function fifo(platform: JobsPlatform, heavy: string, light: readonly string[]): Promise<Outcome> {
  const enqueuedAt = new Map<string, number>();
  const queue = platform.queues.createQueue('bench-fifo');
  const worker = platform.queues.createWorker(
    'bench-fifo',
    (job) => work((job.data as { tenantId: string }).tenantId),
    {
      concurrency: CONCURRENCY,
    },
  );
  const opts = { removeOnComplete: true, removeOnFail: true };
  const start = performance.now();
  for (let offset = 0; offset < HEAVY_JOBS; offset += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, HEAVY_JOBS - offset) }, (_, n) => ({
        name: 'work',
        data: { tenantId: heavy, n: offset + n },
        opts,
      })),
    );
  }
  for (const tenant of light) {
    enqueuedAt.set(tenant, performance.now());
    await queue.addBulk(
      Array.from({ length: LIGHT_JOBS }, (_, n) => ({ name: 'work', data: { tenantId: tenant, n }, opts })),
    );
  }
  await waitForEnds(HEAVY_JOBS + LIGHT_TENANTS * LIGHT_JOBS);
  await worker.close();
  return outcomeOf(heavy, light, enqueuedAt, start);
}

/** Light latencies under a perfect round-robin over every tenant with work, on CONCURRENCY workers. */
function idealLightLatencies(jobMs: number): number[] {
  const tenants = LIGHT_TENANTS + 1;
  const latencies: number[] = [];
  for (let round = 0; round < LIGHT_JOBS; round += 1) {
    for (let light = 1; light <= LIGHT_TENANTS; light += 1) {
      const position = round * tenants + light + 1; // the heavy tenant goes first in each round
      latencies.push(Math.ceil(position / CONCURRENCY) * jobMs);
    }
  }
  return latencies;
}

async function run(kind: 'tenantry' | 'fifo'): Promise<Outcome> {
  journal.ends.clear();
  const platform = await startJobsPlatform('redis', [WorkJob], {
    WORKER_CONCURRENCY: String(CONCURRENCY),
    JOBS_TENANT_MAX_QUEUED: String(HEAVY_JOBS),
    // The scheduler is measured, not a configured limit: no tenant cap below the global window.
    JOBS_TENANT_CONCURRENCY: process.env.BENCH_TENANT_CONCURRENCY ?? '64',
    JOBS_GLOBAL_CONCURRENCY: process.env.BENCH_GLOBAL_CONCURRENCY ?? '64',
  });
  try {
    const [heavy, ...light] = await platform.activeTenants(LIGHT_TENANTS + 1);
    log(`${kind}: ${HEAVY_JOBS} heavy jobs, then ${LIGHT_TENANTS} x ${LIGHT_JOBS} light, concurrency ${CONCURRENCY}`);
    return await withTimeout(
      kind,
      PHASE_TIMEOUT_MS,
      kind === 'tenantry' ? tenantry(platform, heavy, light) : fifo(platform, heavy, light),
    );
  } finally {
    await platform.close(log);
  }
}

async function main(): Promise<void> {
  const plain = await run('fifo');
  const ours = await run('tenantry');
  const jobMs = journal.workMs.reduce((sum, ms) => sum + ms, 0) / journal.workMs.length;
  const p95 = (samples: number[]) =>
    percentile(
      [...samples].sort((a, b) => a - b),
      95,
    );
  const light = p95(ours.lightLatencies);
  const lightFifo = p95(plain.lightLatencies);
  const ideal = p95(idealLightLatencies(jobMs));
  log(`light p95: ${round(light)} ms (FIFO ${round(lightFifo)} ms, ideal ${round(ideal)} ms)`);
  log(`heavy total: ${round(ours.heavyTotalMs)} ms (FIFO ${round(plain.heavyTotalMs)} ms)`);
  process.stdout.write(
    `${JSON.stringify({
      light_p95_ms: round(light),
      light_p95_ms_fifo: round(lightFifo),
      fairness_gain: round(lightFifo / light),
      light_p95_ms_ideal: round(ideal),
      vs_ideal: round(light / ideal),
      heavy_total_ms: round(ours.heavyTotalMs),
      heavy_total_ms_fifo: round(plain.heavyTotalMs),
      heavy_total_ratio: round(ours.heavyTotalMs / plain.heavyTotalMs, 3),
      job_ms_measured: round(jobMs, 3),
      worker_concurrency: CONCURRENCY,
      targets: { fairness_gain: '>= 10', vs_ideal: '<= 2', heavy_total_ratio: '<= 1.2' },
    })}\n`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
