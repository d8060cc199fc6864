/**
 * bench:sync — a full users delta sync of USERS users (M1·6) from the simulator into PostgreSQL,
 * against the simulator's own page rate read by a bare loop in the same run.
 *
 * The simulator runs in a child process (as Graph is remote: its CPU is not the sync's). The
 * sync is `DirectorySync` as the `directory.users-sync` job runs it — the Graph client (token
 * service, SDK middleware, undici), page checkpoints and the upserts — into a fresh snapshot each
 * time (the tenant's rows are purged between rounds, so every round inserts USERS rows). The
 * anchor walks the same delta pages with the same page size over a keep-alive connection with
 * one fixed token and parses each page, writing nothing. The two alternate ROUNDS times after a
 * warm-up; figures are medians. The last stdout line is one JSON object of figures.
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { DataSource } from 'typeorm';
import { Agent, request } from 'undici';
import type { IdentityPlatform } from '@tenantry/config';
import { DirectoryStore, DirectorySync, DirectorySyncModule, USERS_DELTA_START } from '@tenantry/directory-sync';
import { startEntraSim } from '@tenantry/entra-sim';
import { GraphClients, GraphModule } from '@tenantry/graph';
import { TokenService } from '@tenantry/identity';
import { RuntimeModule } from '@tenantry/runtime';
import { TenantRegistry, TenantsModule } from '@tenantry/tenants';
import {
  benchConfig,
  cleanupStep,
  createBenchServices,
  deleteRedisPrefix,
  dropBenchDatabase,
  round,
} from './support/bench-services';

const USERS = Number(process.env.BENCH_SYNC_USERS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_SYNC_ROUNDS ?? 5);
/** What the sync asks for (Graph's most for users delta); the anchor asks for the same. */
const PAGE_SIZE = 200;

const log = (line: string) => process.stderr.write(`[bench:sync] ${line}\n`);
const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface SimInfo {
  authorityHost: string;
  graphBaseUrl: string;
  knownAuthority: string;
  caCertPem: string;
  clientId: string;
  clientSecret: string;
  resource: string;
  tenantId: string;
}

// ---- child: the simulator with one big tenant ---------------------------------------------------

async function serve(): Promise<void> {
  const sim = await startEntraSim({ seed: 'demo' });
  const tenantId = randomUUID();
  sim.state.upsertTenant({
    tenantId,
    displayName: 'Bench Directory',
    domain: 'benchdirectory.onmicrosoft.com',
    consents: [{ clientId: sim.demo.clientId }],
    users: Array.from({ length: USERS }, (_, index) => ({
      displayName: `Bench User ${index}`,
      jobTitle: 'Benchmark',
      accountEnabled: index % 10 !== 0,
    })),
  });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'stop') void sim.stop().then(() => process.exit(0));
  });
  process.send?.({
    type: 'ready',
    sim: {
      authorityHost: sim.authorityHost,
      graphBaseUrl: sim.graphBaseUrl,
      knownAuthority: sim.knownAuthority,
      caCertPem: sim.caCertPem,
      clientId: sim.demo.clientId,
      clientSecret: sim.demo.clientSecret,
      resource: sim.demo.resource,
      tenantId,
    } satisfies SimInfo,
  });
}

// ---- parent: the sync and its anchor --------------------------------------------------------------

/** The anchor: every delta page, one fixed token, parsed and dropped. */
async function rawDeltaWalk(agent: Agent, sim: SimInfo, token: string): Promise<{ pages: number; users: number }> {
  let url: string | undefined = `${sim.graphBaseUrl}${USERS_DELTA_START}`;
  let pages = 0;
  let users = 0;
  while (url) {
    const response = await request(url, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${token}`, prefer: `odata.maxpagesize=${PAGE_SIZE}` },
    });
    if (response.statusCode !== 200) throw new Error(`Graph answered ${response.statusCode}`);
    const page = (await response.body.json()) as { value: unknown[]; '@odata.nextLink'?: string };
    pages += 1;
    users += page.value.length;
    url = page['@odata.nextLink'];
  }
  return { pages, users };
}

async function main(): Promise<void> {
  const child = fork(__filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sim = await new Promise<SimInfo>((resolve) =>
    child.once('message', (message: { sim: SimInfo }) => resolve(message.sim)),
  );
  const services = await createBenchServices();
  const cleanup = cleanupStep(log);
  const config = benchConfig(services);
  const identity: IdentityPlatform = {
    clientId: sim.clientId,
    credential: { kind: 'secret', secret: sim.clientSecret },
    authorityHost: sim.authorityHost,
    graphBaseUrl: sim.graphBaseUrl,
    resource: sim.resource,
    knownAuthorities: [sim.knownAuthority],
    extraCaPem: sim.caCertPem,
    requiredAppRoles: ['User.Read.All'],
  };

  @Module({ imports: [RuntimeModule.forRoot(config, identity), TenantsModule, GraphModule, DirectorySyncModule] })
  class SyncBenchModule {}

  const app = await NestFactory.createApplicationContext(SyncBenchModule, { logger: false });
  const agent = new Agent({ connect: { ca: [...rootCertificates, sim.caCertPem] }, keepAliveTimeout: 30_000 });
  try {
    await app.init();
    const registry = app.get(TenantRegistry);
    await registry.recordConsent({ tenantId: sim.tenantId, consentedAt: new Date() }, 'bench');
    await registry.transition(sim.tenantId, 'active', { reason: 'consent_verified', actor: 'bench' });
    const sync = app.get(DirectorySync);
    const store = app.get(DirectoryStore);
    const graph = app.get(GraphClients).forTenant(sim.tenantId);

    const token = (await app.get(TokenService).getToken(sim.tenantId)).accessToken;

    const timeRaw = async () => {
      const start = process.hrtime.bigint();
      const walked = await rawDeltaWalk(agent, sim, token);
      if (walked.users !== USERS) throw new Error(`the anchor saw ${walked.users} users, not ${USERS}`);
      return { ms: Number(process.hrtime.bigint() - start) / 1e6, pages: walked.pages };
    };
    const timeSync = async () => {
      await store.purge(sim.tenantId);
      // As autovacuum would have by the next fresh sync: the purged rows' dead tuples, which share
      // every key the round is about to insert, would otherwise be checked on each insert.
      await app.get(DataSource).query('VACUUM directory_users, directory_sync_states');
      const start = process.hrtime.bigint();
      let writes = 0;
      const outcome = await sync.sync(graph, { full: true, onProgress: () => (writes += 1) });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (outcome.users !== USERS || outcome.written !== USERS) {
        throw new Error(`the sync saw ${outcome.users} users and wrote ${outcome.written}, not ${USERS}`);
      }
      return { ms, pages: outcome.pages, writes };
    };

    log(`warm-up (${USERS} users, pages of ${PAGE_SIZE})`);
    await timeRaw();
    await timeSync();
    const raw: number[] = [];
    const ours: number[] = [];
    let pages = 0;
    const writes: number[] = [];
    for (let index = 0; index < ROUNDS; index++) {
      const anchor = await timeRaw();
      const synced = await timeSync();
      raw.push(anchor.ms);
      ours.push(synced.ms);
      pages = synced.pages;
      writes.push(synced.writes);
      log(`round ${index + 1}: raw ${round(anchor.ms, 1)} ms, sync ${round(synced.ms, 1)} ms`);
    }
    const rawMs = median(raw);
    const syncMs = median(ours);
    const [{ rows }] = await app
      .get(DataSource)
      .query<{ rows: number }[]>(`SELECT count(*)::int AS rows FROM directory_users WHERE tenant_id = $1`, [
        sim.tenantId,
      ]);
    process.stdout.write(
      `${JSON.stringify({
        users_per_s: round((USERS / syncMs) * 1000, 0),
        raw_users_per_s: round((USERS / rawMs) * 1000, 0),
        sim_pages_per_s_raw: round((pages / rawMs) * 1000, 0),
        sync_pages_per_s: round((pages / syncMs) * 1000, 0),
        ratio_vs_raw: round(rawMs / syncMs, 3),
        sync_ms: round(syncMs, 1),
        raw_ms: round(rawMs, 1),
        sync_ms_all: ours.map((ms) => round(ms, 1)),
        raw_ms_all: raw.map((ms) => round(ms, 1)),
        users: USERS,
        rows_written: rows,
        write_statements_median: median(writes),
        pages,
        page_size: PAGE_SIZE,
        rounds: ROUNDS,
        node: process.version,
      })}\n`,
    );
  } finally {
    await cleanup('close the platform', () => app.close());
    await cleanup('close the anchor’s connections', () => agent.close());
    await cleanup('stop the simulator', async () => {
      child.send({ type: 'stop' });
      await new Promise((resolve) => child.once('exit', resolve));
    });
    await cleanup('drop the database', () => dropBenchDatabase(services.databaseName));
    await cleanup('delete the Redis keys', () => deleteRedisPrefix(services.queuePrefix));
  }
}

if (process.argv.includes('--serve')) void serve();
else
  main().catch((error: unknown) => {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  });
