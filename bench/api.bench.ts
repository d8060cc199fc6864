/**
 * bench:api — the operator API at 10,000 tenants (M1·7). A child process runs the API as
 * apps/api does (real PostgreSQL and Redis, the simulator in-process), seeded with TENANTS
 * tenants and RUNS_PER_TENANT job runs each; this process drives it with autocannon for
 * PHASE_SECONDS per route at a fixed request rate (so latency is service time plus the queueing
 * a steady load causes, not a saturated server's backlog): the list's first page and a deep
 * cursor page (filtered by status), a tenant's detail, and `/health/live` as the anchor, all in
 * the same run. The last stdout line is one JSON object of figures.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import autocannon from 'autocannon';
import { fork } from 'node:child_process';
import { DataSource } from 'typeorm';
import { ApiModule } from '../apps/api/src/api.module';
import { configureHttpApp, HTTP_APP_OPTIONS } from '../apps/api/src/configure-http-app';
import { identityPlatformOfSimulator, startEntraSim } from '@tenantry/entra-sim';
import { ApiKeyService } from '@tenantry/operator-auth';
import { RuntimeModule } from '@tenantry/runtime';
import {
  benchConfig,
  cleanupStep,
  createBenchServices,
  deleteRedisPrefix,
  dropBenchDatabase,
  round,
} from './support/bench-services';

const TENANTS = Number(process.env.BENCH_API_TENANTS ?? 10_000);
const RUNS_PER_TENANT = Number(process.env.BENCH_API_RUNS_PER_TENANT ?? 5);
const PHASE_SECONDS = Number(process.env.BENCH_API_PHASE_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_API_CONNECTIONS ?? 8);
const RATE = Number(process.env.BENCH_API_RATE ?? 200);
const PAGE = 50;
/** The deep page: this many pages into the filtered list. */
const DEEP_PAGES = 100;

const log = (line: string) => process.stderr.write(`[bench:api] ${line}\n`);

interface Served {
  baseUrl: string;
  key: string;
  tenantIds: string[];
  deepCursor: string;
}

// ---- child: the API, seeded ----------------------------------------------------------------------

async function serve(databaseUrl: string, queuePrefix: string): Promise<void> {
  const sim = await startEntraSim({ seed: 'demo' });
  const config = benchConfig({ databaseUrl, queuePrefix }, { PORT: '0' });

  @Module({ imports: [RuntimeModule.forRoot(config, identityPlatformOfSimulator(sim)), ApiModule] })
  class ApiBenchModule {}

  const app = await NestFactory.create<NestExpressApplication>(ApiBenchModule, { ...HTTP_APP_OPTIONS, logger: false });
  configureHttpApp(app, config);
  await app.listen(0, '127.0.0.1');
  const dataSource = app.get(DataSource);
  await seed(dataSource);
  const { key } = await app.get(ApiKeyService).create('bench', 'viewer', 'bench');
  const tenantIds = (
    await dataSource.query<{ tenant_id: string }[]>(
      `SELECT tenant_id FROM tenants WHERE status = 'active' ORDER BY tenant_id LIMIT 200`,
    )
  ).map((row) => row.tenant_id);
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  let cursor = '';
  for (let page = 0; page < DEEP_PAGES; page++) {
    const response = await fetch(
      `${baseUrl}/api/v1/tenants?status=active&limit=${PAGE}${cursor ? `&cursor=${cursor}` : ''}`,
      {
        headers: { authorization: `Bearer ${key}` },
      },
    );
    cursor = ((await response.json()) as { nextCursor: string }).nextCursor;
  }
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stop')
      void app
        .close()
        .then(() => sim.stop())
        .then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', served: { baseUrl, key, tenantIds, deepCursor: cursor } satisfies Served });
}

/** Tenants in every status, each with its lifecycle events and job runs, as a year of use leaves them. */
async function seed(dataSource: DataSource): Promise<void> {
  await dataSource.query(
    `INSERT INTO tenants (tenant_id, display_name, primary_domain, status, attention_reason, consented_at,
                          verified_at, granted_roles, created_at, updated_at, version)
     SELECT gen_random_uuid(), 'Tenant ' || i, 'tenant' || i || '.onmicrosoft.com',
            (ARRAY['active','active','active','active','active','needs_attention','paused','pending'])[1 + i % 8],
            CASE WHEN i % 8 = 5 THEN 'consent_revoked' END,
            now() - make_interval(secs => i), now() - make_interval(secs => i),
            ARRAY['Directory.Read.All','User.Read.All'], now() - make_interval(secs => i), now(), 1
     FROM generate_series(1, $1::int) AS i`,
    [TENANTS],
  );
  await dataSource.query(
    `INSERT INTO tenant_events (tenant_id, from_status, to_status, reason, actor, occurred_at)
     SELECT tenant_id, 'pending', 'active', 'consent_verified', 'system:verification', created_at FROM tenants`,
  );
  await dataSource.query(
    `INSERT INTO job_runs (tenant_id, type, payload, status, attempts, max_attempts, enqueued_by, enqueued_at,
                           started_at, finished_at, error_code)
     SELECT t.tenant_id, 'directory.users-sync', '{"full":false}',
            CASE WHEN n % 5 = 0 THEN 'failed' ELSE 'succeeded' END, 1, 5, 'schedule:bench',
            now() - make_interval(hours => n), now() - make_interval(hours => n),
            now() - make_interval(hours => n) + interval '2 seconds', CASE WHEN n % 5 = 0 THEN 'graph_throttled' END
     FROM tenants t CROSS JOIN generate_series(1, $1::int) AS n`,
    [RUNS_PER_TENANT],
  );
  await dataSource.query(`INSERT INTO tenant_job_queues (tenant_id) SELECT tenant_id FROM tenants`);
  await dataSource.query('ANALYZE');
}

// ---- parent: the load ---------------------------------------------------------------------------

interface Phase {
  p50: number;
  p99: number;
  requests: number;
  errors: number;
}

async function phase(name: string, served: Served, paths: readonly string[], authenticated: boolean): Promise<Phase> {
  let next = 0;
  const result = await autocannon({
    url: served.baseUrl,
    connections: CONNECTIONS,
    overallRate: RATE,
    duration: PHASE_SECONDS,
    headers: authenticated ? { authorization: `Bearer ${served.key}` } : {},
    requests: [
      {
        setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length] }),
      },
    ],
  });
  const errors = result.errors + result.timeouts + result.non2xx;
  log(
    `${name}: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ${result.requests.total} requests, ${errors} errors`,
  );
  return { p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total, errors };
}

async function main(): Promise<void> {
  const services = await createBenchServices();
  const cleanup = cleanupStep(log);
  const child = fork(__filename, ['--serve', services.databaseUrl, services.queuePrefix], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    log(`seeding ${TENANTS} tenants with ${RUNS_PER_TENANT} runs each`);
    const served = await new Promise<Served>((resolve, reject) => {
      child.once('message', (message: { served: Served }) => resolve(message.served));
      child.once('exit', (code) => reject(new Error(`the API process exited (${code})`)));
    });
    const list = `/api/v1/tenants?status=active&limit=${PAGE}`;
    const details = served.tenantIds.map((id) => `/api/v1/tenants/${id}`);
    // A warm-up of each route, then the measured phases.
    for (const paths of [['/health/live'], [list], details]) await phase('warm-up', served, paths, true);
    const health = await phase('health', served, ['/health/live'], false);
    const first = await phase('list, first page', served, [list], true);
    const deep = await phase(`list, page ${DEEP_PAGES + 1}`, served, [`${list}&cursor=${served.deepCursor}`], true);
    const detail = await phase('tenant detail', served, details, true);
    const listP99 = Math.max(first.p99, deep.p99);
    process.stdout.write(
      `${JSON.stringify({
        list_p50_ms: first.p50,
        list_p99_ms: listP99,
        list_first_page_p99_ms: first.p99,
        list_deep_page_p50_ms: deep.p50,
        list_deep_page_p99_ms: deep.p99,
        detail_p50_ms: detail.p50,
        detail_p99_ms: detail.p99,
        health_p50_ms: health.p50,
        health_p99_ms: health.p99,
        list_vs_health_p99: round(listP99 / Math.max(health.p99, 1), 2),
        detail_vs_health_p99: round(detail.p99 / Math.max(health.p99, 1), 2),
        errors: health.errors + first.errors + deep.errors + detail.errors,
        requests: health.requests + first.requests + deep.requests + detail.requests,
        tenants: TENANTS,
        job_runs: TENANTS * RUNS_PER_TENANT,
        rate_per_s: RATE,
        connections: CONNECTIONS,
        phase_s: PHASE_SECONDS,
        node: process.version,
      })}\n`,
    );
  } finally {
    await cleanup('stop the API', async () => {
      if (child.exitCode !== null) return;
      child.send({ type: 'stop' });
      await new Promise((resolve) => child.once('exit', resolve));
    });
    await cleanup('drop the database', () => dropBenchDatabase(services.databaseName));
    await cleanup('delete the Redis keys', () => deleteRedisPrefix(services.queuePrefix));
  }
}

const serveIndex = process.argv.indexOf('--serve');
if (serveIndex >= 0) void serve(process.argv[serveIndex + 1], process.argv[serveIndex + 2]);
else
  main().catch((error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
