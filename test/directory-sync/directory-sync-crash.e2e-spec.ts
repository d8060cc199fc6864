import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DirectorySyncModule, DirectoryUsersSyncJob } from '@tenantry/directory-sync';
import { JobsTestbed, RunningEntryPoint, startEntryPoint, startJobsTestbed } from '@tenantry/testing';
import {
  activate,
  directoryOf,
  finishedSync,
  liveUsers,
  roundPages,
  seedDirectory,
} from './support/directory-fixtures';

const PAGES = 25;

/**
 * A worker process killed mid-sync loses nothing and repeats little: the next worker resumes
 * the round at the page after the last one written. The workers are apps/worker itself,
 * configured as production is, against the simulator as if it were Entra ID.
 */
describe('a directory sync whose worker is killed mid-round', () => {
  let bed: JobsTestbed;
  const workers: RunningEntryPoint[] = [];

  beforeAll(async () => {
    bed = await startJobsTestbed({ queue: 'redis', types: [DirectoryUsersSyncJob], imports: [DirectorySyncModule] });
  });

  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop('SIGKILL');
  });

  afterAll(() => bed?.close());

  const startWorker = (): RunningEntryPoint => {
    const worker = startEntryPoint('apps/worker/main.ts', {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: bed.database.url,
      REDIS_URL: bed.config.queue.redisUrl as string,
      QUEUE_PREFIX: bed.config.queue.prefix,
      WORKER_QUEUES: 'jobs',
      JOBS_LEASE_MS: '5000',
      JOBS_POLL_INTERVAL_MS: '100',
      AZURE_CLIENT_ID: bed.sim.demo.clientId,
      AZURE_CLIENT_SECRET: bed.sim.demo.clientSecret,
      AZURE_AUTHORITY_HOST: bed.sim.authorityHost,
      GRAPH_BASE_URL: bed.sim.graphBaseUrl,
      NODE_EXTRA_CA_CERTS: bed.sim.caCertPath,
      TOKEN_CACHE_KEY: randomBytes(32).toString('base64'),
    });
    workers.push(worker);
    return worker;
  };

  it('resumes from its last page checkpoint, not from zero, and ends exactly in step', async () => {
    const tenantId = seedDirectory(bed.sim, PAGES * 200);
    bed.sim.faults.add({ tenant: tenantId, endpoint: 'graph.delta', latencyMs: 100 });
    await activate(bed, tenantId);

    const first = startWorker();
    for (let waited = 0; (await roundPages(bed.dataSource, tenantId)) < 8; waited += 1) {
      if (waited > 1_200) throw new Error(`the first worker never got 8 pages into the round:\n${first.output()}`);
      await sleep(25);
    }
    expect(await first.stop('SIGKILL')).toBeNull();
    const pagesAtKill = await roundPages(bed.dataSource, tenantId);
    const requestsAtKill = bed.sim.counters.get(tenantId, 'graph.delta');
    expect(pagesAtKill).toBeLessThan(PAGES);

    startWorker();
    const run = await finishedSync(bed, tenantId, 1, 90_000);
    expect(run).toMatchObject({ status: 'succeeded', progress: { pages: PAGES, users: PAGES * 200 } });
    expect(await liveUsers(bed.dataSource, tenantId)).toEqual(directoryOf(bed.sim, tenantId));
    // The pages left, plus at most the one that was in flight when the worker died.
    expect(bed.sim.counters.get(tenantId, 'graph.delta') - requestsAtKill).toBeLessThanOrEqual(PAGES - pagesAtKill + 1);
  }, 120_000);
});
