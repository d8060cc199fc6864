/**
 * bench:tokens — the per-tenant token service (libs/identity) against entra-sim, real PostgreSQL
 * and real Redis, compared with one plain msal-node confidential client. Phases:
 *  1. fill: 10,000 tenants' tokens acquired through the service (process A);
 *  2. hits: getToken latency with 10,000 tenants cached (A) and 100 cached (process B, a second
 *     application context in this process), interleaved rounds, plus a Map-lookup baseline;
 *  3. raw msal: the same lookups through one ConfidentialClientApplication whose cache holds the
 *     same 10,000 (and 100) tokens, loaded in bulk with its cache deserialization;
 *  4. single flight: this process and a forked one, 500 callers each, ask for 200 fresh tenants'
 *     tokens at once; the simulator counts the token requests;
 *  5. expiry: 50 tenants with 20 s tokens (a second simulator, no token reuse) under a steady
 *     loop of callers for EXPIRY_MS; every getToken latency is recorded.
 * Progress goes to stderr; the last stdout line is one JSON object of figures.
 */
import {
  cleanupStep,
  createBenchServices,
  deleteRedisPrefix,
  dropBenchDatabase,
  percentile,
  REDIS_URL,
  round,
  withTimeout,
} from './support/bench-services';
import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { HttpsCaNetworkModule, startEntraSim, type RunningEntraSim } from '@tenantry/entra-sim';
import type { TokenService } from '@tenantry/identity';
import {
  CHILD_SETTINGS_ENV,
  type FromChild,
  startTokenProcess,
  type StormResult,
  type ToChild,
  type TokenProcess,
  type TokenProcessSettings,
  tokenStorm,
} from './tokens-worker.bench-child';

const TENANTS = 10_000;
const SMALL_TENANTS = 100;
const STORM_TENANTS = 200;
const STORM_CALLERS = 500;
const EXPIRY_TENANTS = 50;
const EXPIRY_TOKEN_SECONDS = 20;
const EXPIRY_MS = Number(process.env.BENCH_EXPIRY_MS ?? 45_000);
const EXPIRY_CALLERS = 10;
const FILL_CONCURRENCY = 64;
const HIT_ROUNDS = 3;
const HIT_CALLS_PER_ROUND = 100_000;
const HIT_WARMUP_CALLS = 50_000;
const MSAL_CALLS_10K = Number(process.env.BENCH_MSAL_CALLS ?? 300);
const MSAL_CALLS_100 = 3000;
const DEADLINE_MS = 280_000;
const SCOPE_SUFFIX = '/.default';

const log = (line: string) => process.stderr.write(`[bench:tokens] ${line}\n`);
const now = () => process.hrtime.bigint();
const microsSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1000;

function summary(samples: Float64Array): { p50: number; p99: number; max: number; n: number } {
  const sorted = Float64Array.from(samples).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1], n: sorted.length };
}

function tidOf(token: string): unknown {
  return (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { tid?: unknown }).tid;
}

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Sequential awaited calls, each timed with hrtime; the loop yields now and then (untimed). */
async function timeCalls(indices: Uint32Array, call: (index: number) => Promise<unknown>): Promise<Float64Array> {
  const samples = new Float64Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const start = now();
    await call(indices[i]);
    samples[i] = microsSince(start);
    if ((i & 4095) === 4095) await yieldToLoop();
  }
  return samples;
}

const randomIndices = (count: number, bound: number) => {
  const indices = new Uint32Array(count);
  for (let i = 0; i < count; i++) indices[i] = Math.floor(Math.random() * bound);
  return indices;
};

function concat(parts: Float64Array[]): Float64Array {
  const all = new Float64Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

/** msal's network client, counted, so the benchmark can prove a measured lookup sent nothing. */
class CountingNetworkClient implements INetworkModule {
  requests = 0;
  constructor(private readonly inner: INetworkModule) {}
  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    this.requests++;
    return this.inner.sendGetRequestAsync<T>(url, options, timeout);
  }
  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    this.requests++;
    return this.inner.sendPostRequestAsync<T>(url, options);
  }
}

interface SerializedAccessToken {
  home_account_id: string;
  environment: string;
  credential_type: string;
  client_id: string;
  secret: string;
  realm: string;
  target: string;
  cached_at: string;
  expires_on: string;
  extended_expires_on: string;
  token_type?: string;
  [field: string]: unknown;
}

interface SerializedCache {
  AccessToken: Record<string, SerializedAccessToken>;
  [section: string]: unknown;
}

/**
 * msal-node 7's credential key (msal-node dist/cache/CacheHelpers generateCredentialKey):
 * homeAccountId-environment-credentialType-clientId-realm-target-scheme, lower-cased; the scheme
 * is empty for Bearer tokens and there are no additional key components for client credentials.
 */
const msalAccessTokenKey = (entry: SerializedAccessToken) =>
  [entry.home_account_id, entry.environment, entry.credential_type, entry.client_id, entry.realm, entry.target, '']
    .join('-')
    .toLowerCase();

interface RawMsalResult {
  p50: number;
  p99: number;
  loadMs: number;
  networkDuringLookups: number;
}

/**
 * One plain msal-node client holding `ids`' tokens (the very tokens the service holds): two real
 * acquisitions give msal's own serialized entries (and prime its authority metadata); the rest
 * are built in the same shape and loaded with deserialize(). Then `indices` lookups, each with
 * the tenant's authority, each checked to be a cache hit returning that tenant's token.
 */
async function rawMsal(
  sim: RunningEntraSim,
  ids: readonly string[],
  expected: ReadonlyMap<string, { accessToken: string; expiresOn: Date }>,
  indices: Uint32Array,
  warmup: number,
): Promise<RawMsalResult> {
  const network = new CountingNetworkClient(new HttpsCaNetworkModule({ ca: sim.caCertPem }));
  const scope = `${sim.demo.resource}${SCOPE_SUFFIX}`;
  const authorities = ids.map((id) => `${sim.authorityHost}/${id}`);
  const client = new ConfidentialClientApplication({
    auth: {
      clientId: sim.demo.clientId,
      clientSecret: sim.demo.clientSecret,
      authority: authorities[0],
      knownAuthorities: [sim.knownAuthority],
    },
    system: {
      networkClient: network,
      loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined },
    },
  });
  for (const authority of authorities.slice(0, 2)) {
    const real = await client.acquireTokenByClientCredential({ scopes: [scope], authority });
    if (!real || real.fromCache) throw new Error('raw msal: the priming acquisition was not a network one');
  }
  const template = JSON.parse(client.getTokenCache().serialize()) as SerializedCache;
  const realEntries = Object.entries(template.AccessToken);
  if (realEntries.length !== 2) throw new Error(`raw msal: expected 2 cached tokens, found ${realEntries.length}`);
  for (const [key, entry] of realEntries) {
    if (msalAccessTokenKey(entry) !== key) throw new Error(`raw msal: key format mismatch: ${key}`);
  }
  const shape = realEntries[0][1];
  const nowSeconds = Math.floor(Date.now() / 1000);
  const accessTokens: Record<string, SerializedAccessToken> = {};
  for (const id of ids) {
    const token = expected.get(id);
    if (!token) throw new Error(`raw msal: no token for ${id}`);
    const expiresOn = String(Math.floor(token.expiresOn.getTime() / 1000));
    const entry: SerializedAccessToken = {
      ...shape,
      realm: id,
      secret: token.accessToken,
      cached_at: String(nowSeconds),
      expires_on: expiresOn,
      extended_expires_on: expiresOn,
    };
    accessTokens[msalAccessTokenKey(entry)] = entry;
  }
  const loadStart = now();
  client.getTokenCache().deserialize(JSON.stringify({ ...template, AccessToken: accessTokens }));
  const loadMs = microsSince(loadStart) / 1000;

  const lookup = async (index: number) => {
    const result = await client.acquireTokenByClientCredential({ scopes: [scope], authority: authorities[index] });
    if (!result?.fromCache || result.accessToken !== expected.get(ids[index])?.accessToken) {
      throw new Error(`raw msal: lookup for ${ids[index]} was not a cache hit with its token`);
    }
  };
  for (let i = 0; i < warmup; i++) await lookup(i % ids.length);
  const networkBefore = network.requests;
  const samples = await timeCalls(indices, lookup);
  const stats = summary(samples);
  return { p50: stats.p50, p99: stats.p99, loadMs, networkDuringLookups: network.requests - networkBefore };
}

// ---- the run -------------------------------------------------------------------------------

interface Resources {
  sims: RunningEntraSim[];
  processes: TokenProcess[];
  child?: ChildProcess;
  databaseName?: string;
  queuePrefix?: string;
}

async function cleanup(resources: Resources): Promise<void> {
  const step = cleanupStep(log);
  const child = resources.child;
  if (child && child.exitCode === null && child.signalCode === null) {
    await step('stop child', async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      if (child.connected) child.send({ type: 'stop' } satisfies ToChild);
      const stopped = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    });
  }
  for (const tokenProcess of resources.processes.splice(0)) {
    await step('close application context', () => tokenProcess.close());
  }
  for (const sim of resources.sims.splice(0)) await step('stop simulator', () => sim.stop());
  const { databaseName, queuePrefix } = resources;
  if (databaseName) await step('drop database', () => dropBenchDatabase(databaseName));
  if (queuePrefix) await step('delete redis keys', () => deleteRedisPrefix(queuePrefix));
}

function seedSim(sim: RunningEntraSim, ids: readonly string[]): void {
  ids.forEach((tenantId, i) =>
    sim.state.upsertTenant({
      tenantId,
      displayName: `Bench tenant ${i}`,
      domain: `bench${i}-${tenantId.slice(0, 8)}.onmicrosoft.com`,
      consents: [{ clientId: sim.demo.clientId }],
    }),
  );
}

function settingsFor(
  sim: RunningEntraSim,
  base: Omit<TokenProcessSettings, 'identity' | 'migrate'>,
  migrate: boolean,
): TokenProcessSettings {
  return {
    ...base,
    migrate,
    identity: {
      clientId: sim.demo.clientId,
      clientSecret: sim.demo.clientSecret,
      authorityHost: sim.authorityHost,
      graphBaseUrl: sim.graphBaseUrl,
      resource: sim.demo.resource,
      knownAuthority: sim.knownAuthority,
      caPem: sim.caCertPem,
    },
  };
}

function waitFor<T extends FromChild['type']>(
  child: ChildProcess,
  type: T,
  timeoutMs: number,
): Promise<Extract<FromChild, { type: T }>> {
  return withTimeout(
    `child ${type}`,
    timeoutMs,
    new Promise((resolve, reject) => {
      const onMessage = (message: FromChild) => {
        if (message.type === type) {
          done();
          resolve(message as Extract<FromChild, { type: T }>);
        } else if (message.type === 'failed') {
          done();
          reject(new Error(`child failed: ${message.message}`));
        }
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`child exited (${code}) before ${type}`));
      };
      const done = () => {
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
    }),
  );
}

async function fill(tokens: TokenService, ids: readonly string[], concurrency: number) {
  const got = new Map<string, { accessToken: string; expiresOn: Date }>();
  let next = 0;
  let lastReport = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        const token = await tokens.getToken(id);
        if (tidOf(token.accessToken) !== id) throw new Error(`fill: token for ${id} carries another tid`);
        got.set(id, token);
        if (Date.now() - lastReport > 5000) {
          lastReport = Date.now();
          log(`  filled ${got.size}/${ids.length}`);
        }
      }
    }),
  );
  return got;
}

async function run(resources: Resources): Promise<Record<string, unknown>> {
  const runStarted = Date.now();
  const { databaseName, databaseUrl, queuePrefix } = await createBenchServices();
  resources.databaseName = databaseName;
  resources.queuePrefix = queuePrefix;
  const base = {
    databaseUrl,
    redisUrl: REDIS_URL,
    queuePrefix,
    tokenCacheKey: randomBytes(32).toString('base64'),
  };

  // Simulators: long-lived tokens for the cache measurements, 20 s tokens for the expiry phase.
  const sim = await startEntraSim({ seed: 'demo', tokenLifetimeSeconds: 86_400 });
  resources.sims.push(sim);
  const shortSim = await startEntraSim({
    seed: 'demo',
    tokenLifetimeSeconds: EXPIRY_TOKEN_SECONDS,
    tokenReuseSeconds: 0,
  });
  resources.sims.push(shortSim);

  const ids: string[] = Array.from({ length: TENANTS }, () => randomUUID());
  const stormIds: string[] = Array.from({ length: STORM_TENANTS }, () => randomUUID());
  const expiryIds: string[] = Array.from({ length: EXPIRY_TENANTS }, () => randomUUID());
  seedSim(sim, [...ids, ...stormIds]);
  seedSim(shortSim, expiryIds);

  // Process A (migrates the database), then the registry rows in bulk.
  const a = await startTokenProcess(settingsFor(sim, base, true));
  resources.processes.push(a);
  const allIds = [...ids, ...stormIds, ...expiryIds];
  await a.app.get(DataSource).query(
    `INSERT INTO tenants (tenant_id, display_name, primary_domain, status, consented_at, granted_roles, verified_at, version)
     SELECT t.id, 'Bench tenant ' || t.n, 'bench' || t.n || '.onmicrosoft.com', 'active', now(),
            ARRAY['Directory.Read.All', 'User.Read.All'], now(), 1
     FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
    [allIds],
  );
  log(`seeded ${allIds.length} tenants (simulator + registry) in ${Date.now() - runStarted} ms`);

  // 1. fill
  const fillStart = now();
  const fillBefore = sim.counters.total('token');
  const tokens10k = await withTimeout('fill', 120_000, fill(a.tokens, ids, FILL_CONCURRENCY));
  const fillSeconds = microsSince(fillStart) / 1e6;
  const fillRequests = sim.counters.total('token') - fillBefore;
  log(`fill: ${TENANTS} tenants in ${fillSeconds.toFixed(1)} s (${fillRequests} token requests)`);

  // Process B: 100 tenants cached (from the shared store, no token request expected).
  const b = await startTokenProcess(settingsFor(sim, base, false));
  resources.processes.push(b);
  const smallIds = ids.slice(0, SMALL_TENANTS);
  const beforeSmall = sim.counters.total('token');
  for (const id of smallIds) {
    const token = await b.tokens.getToken(id);
    if (token.accessToken !== tokens10k.get(id)?.accessToken) throw new Error('process B got another token');
  }
  const smallFillRequests = sim.counters.total('token') - beforeSmall;

  // 2. hits: interleaved rounds for A (10,000 cached) and B (100 cached), and a Map baseline.
  const baselineMap = new Map(ids.map((id) => [id, tokens10k.get(id)]));
  const mapLookup = async (id: string) => {
    const hit = baselineMap.get(id);
    if (!hit) throw new Error('baseline miss');
    return { accessToken: hit.accessToken, expiresOn: new Date(hit.expiresOn) };
  };
  const onA = (index: number) => a.tokens.getToken(ids[index]);
  const onB = (index: number) => b.tokens.getToken(smallIds[index]);
  const onMap = (index: number) => mapLookup(ids[index]);
  // Diagnostics: A with 10,000 cached but only 100 of them looked up (locality, not size), and
  // the Map baseline over 100 tenants.
  const onAHot = (index: number) => a.tokens.getToken(smallIds[index]);
  const onMapHot = (index: number) => mapLookup(smallIds[index]);
  await timeCalls(randomIndices(HIT_WARMUP_CALLS, TENANTS), onA);
  await timeCalls(randomIndices(HIT_WARMUP_CALLS, SMALL_TENANTS), onB);
  await timeCalls(randomIndices(HIT_WARMUP_CALLS, TENANTS), onMap);
  const hitsA: Float64Array[] = [];
  const hitsB: Float64Array[] = [];
  const hitsMap: Float64Array[] = [];
  const hitsAHot: Float64Array[] = [];
  const hitsMapHot: Float64Array[] = [];
  const hitRequestsBefore = sim.counters.total('token');
  for (let r = 0; r < HIT_ROUNDS; r++) {
    hitsA.push(await timeCalls(randomIndices(HIT_CALLS_PER_ROUND, TENANTS), onA));
    hitsB.push(await timeCalls(randomIndices(HIT_CALLS_PER_ROUND, SMALL_TENANTS), onB));
    hitsMap.push(await timeCalls(randomIndices(HIT_CALLS_PER_ROUND, TENANTS), onMap));
    hitsAHot.push(await timeCalls(randomIndices(HIT_CALLS_PER_ROUND, SMALL_TENANTS), onAHot));
    hitsMapHot.push(await timeCalls(randomIndices(HIT_CALLS_PER_ROUND, SMALL_TENANTS), onMapHot));
  }
  const hitRequests = sim.counters.total('token') - hitRequestsBefore;
  const hit10k = summary(concat(hitsA));
  const hit100 = summary(concat(hitsB));
  const hitMap = summary(concat(hitsMap));
  const hitAHot = summary(concat(hitsAHot));
  const hitMapHot = summary(concat(hitsMapHot));
  // The hits are right: every tenant's token is its own.
  for (const index of randomIndices(2000, TENANTS)) {
    const token = await a.tokens.getToken(ids[index]);
    if (token.accessToken !== tokens10k.get(ids[index])?.accessToken || tidOf(token.accessToken) !== ids[index]) {
      throw new Error(`hit for ${ids[index]} returned another token`);
    }
  }
  log(
    `hits: p50 ${hit10k.p50.toFixed(2)} µs / p99 ${hit10k.p99.toFixed(2)} µs with ${TENANTS} cached; ` +
      `p50 ${hit100.p50.toFixed(2)} µs with ${SMALL_TENANTS}; Map baseline p50 ${hitMap.p50.toFixed(2)} µs` +
      ` (${hitRequests} token requests during the hits)`,
  );

  // 3. raw msal, same tokens, same lookups.
  const msalIndices = randomIndices(MSAL_CALLS_10K, TENANTS);
  const raw10k = await withTimeout('raw msal 10k', 60_000, rawMsal(sim, ids, tokens10k, msalIndices, 20));
  log(
    `raw msal: p50 ${(raw10k.p50 / 1000).toFixed(2)} ms with ${TENANTS} cached ` +
      `(cache loaded in ${raw10k.loadMs.toFixed(0)} ms; ${raw10k.networkDuringLookups} network calls during lookups)`,
  );
  const raw100 = await withTimeout(
    'raw msal 100',
    60_000,
    rawMsal(sim, smallIds, tokens10k, randomIndices(MSAL_CALLS_100, SMALL_TENANTS), 200),
  );
  log(`raw msal: p50 ${raw100.p50.toFixed(1)} µs with ${SMALL_TENANTS} cached`);
  if (raw10k.networkDuringLookups + raw100.networkDuringLookups !== 0) {
    throw new Error('raw msal made network calls during the measured lookups');
  }

  // 4. single flight across two processes: this one (A) and a forked one.
  const child = fork(join(__dirname, 'tokens-worker.bench-child.js'), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, [CHILD_SETTINGS_ENV]: JSON.stringify(settingsFor(sim, base, false)) },
  });
  resources.child = child;
  await waitFor(child, 'ready', 60_000);
  const stormBefore = new Map(stormIds.map((id) => [id, sim.counters.get(id, 'token')]));
  const startAt = Date.now() + 300;
  const childResult = waitFor(child, 'storm-result', 60_000);
  child.send({ type: 'storm', tenantIds: stormIds, callers: STORM_CALLERS, startAt } satisfies ToChild);
  await sleep(Math.max(0, startAt - Date.now()));
  const [parentStorm, childStorm] = await Promise.all([
    withTimeout('storm', 60_000, tokenStorm(a.tokens, stormIds, STORM_CALLERS)),
    childResult.then((message) => message.result),
  ]);
  const stormRequests = stormIds.reduce((n, id) => n + sim.counters.get(id, 'token') - (stormBefore.get(id) ?? 0), 0);
  const stormCheck = checkStorm(stormIds, [parentStorm, childStorm]);
  log(
    `single flight: ${stormRequests} token requests for ${STORM_TENANTS} tenants from 2 processes × ` +
      `${STORM_CALLERS} callers (${parentStorm.calls + childStorm.calls} calls, ${stormCheck.errors} errors, ` +
      `parent ${parentStorm.elapsedMs.toFixed(0)} ms, child ${childStorm.elapsedMs.toFixed(0)} ms)`,
  );
  if (stormCheck.errors > 0) log(`  errors: ${[...parentStorm.firstErrors, ...childStorm.firstErrors].join(' | ')}`);

  // 5. expiry under steady load (process C on the 20 s simulator).
  const c = await startTokenProcess(settingsFor(shortSim, base, false));
  resources.processes.push(c);
  for (const id of expiryIds) await c.tokens.getToken(id);
  const expiry = await withTimeout('expiry', EXPIRY_MS + 30_000, expiryUnderLoad(c.tokens, expiryIds));
  const expiryRequests = expiryIds.reduce((n, id) => n + shortSim.counters.get(id, 'token'), 0) - EXPIRY_TENANTS;
  const wait = summary(expiry.samples);
  log(
    `expiry: ${wait.n} calls over ${(EXPIRY_MS / 1000).toFixed(0)} s, ${expiryRequests} refreshes; ` +
      `wait p50 ${wait.p50.toFixed(2)} µs, p99 ${wait.p99.toFixed(2)} µs, max ${(wait.max / 1000).toFixed(2)} ms`,
  );

  const hitP50 = hit10k.p50;
  return {
    tenants: TENANTS,
    hit_p50_us: round(hitP50),
    hit_p99_us: round(hit10k.p99),
    hit_max_us: round(hit10k.max),
    hit_samples: hit10k.n,
    raw_msal_hit_p50_us: round(raw10k.p50, 1),
    raw_msal_hit_p99_us: round(raw10k.p99, 1),
    raw_msal_samples: MSAL_CALLS_10K,
    speedup_vs_msal: round(raw10k.p50 / hitP50, 1),
    hit_p50_us_100_tenants: round(hit100.p50),
    hit_p99_us_100_tenants: round(hit100.p99),
    growth_100_to_10000: round(hitP50 / hit100.p50, 3),
    raw_msal_hit_p50_us_100_tenants: round(raw100.p50, 1),
    raw_msal_growth_100_to_10000: round(raw10k.p50 / raw100.p50, 1),
    map_lookup_p50_us: round(hitMap.p50),
    hit_vs_map_lookup: round(hitP50 / hitMap.p50, 2),
    map_lookup_p50_us_100_tenants: round(hitMapHot.p50),
    map_growth_100_to_10000: round(hitMap.p50 / hitMapHot.p50, 3),
    hit_p50_us_10000_cached_100_looked_up: round(hitAHot.p50),
    token_requests_during_hits: hitRequests,
    idp_requests_per_tenant: round(stormRequests / STORM_TENANTS, 3),
    single_flight_calls: parentStorm.calls + childStorm.calls,
    single_flight_errors: stormCheck.errors,
    single_flight_distinct_tokens_per_tenant_max: stormCheck.maxDistinct,
    single_flight_wrong_tid: stormCheck.wrongTid,
    single_flight_ms: round(Math.max(parentStorm.elapsedMs, childStorm.elapsedMs), 0),
    caller_wait_p99_ms_across_expiry: round(wait.p99 / 1000, 4),
    caller_wait_max_ms_across_expiry: round(wait.max / 1000, 3),
    caller_wait_p50_us_across_expiry: round(wait.p50),
    expiry_calls: wait.n,
    expiry_calls_over_1ms: expiry.samples.filter((us) => us > 1000).length,
    expiry_expired_tokens_served: expiry.expiredServed,
    expiry_refreshes: expiryRequests,
    expiry_token_lifetime_s: EXPIRY_TOKEN_SECONDS,
    expiry_phase_s: round(EXPIRY_MS / 1000, 0),
    tenants_fill_s: round(fillSeconds, 1),
    tenants_fill_token_requests: fillRequests,
    process_b_fill_token_requests: smallFillRequests,
    raw_msal_cache_load_ms: round(raw10k.loadMs, 0),
    total_s: round((Date.now() - runStarted) / 1000, 1),
    node: process.version,
  };
}

function checkStorm(ids: readonly string[], results: StormResult[]) {
  let errors = 0;
  let maxDistinct = 0;
  let wrongTid = 0;
  for (const result of results) errors += result.errorCount;
  for (const id of ids) {
    const distinct = new Set(results.flatMap((result) => result.tokens[id] ?? []));
    maxDistinct = Math.max(maxDistinct, distinct.size);
    for (const token of distinct) if (tidOf(token) !== id) wrongTid++;
  }
  return { errors, maxDistinct, wrongTid };
}

/** EXPIRY_CALLERS loops, each: getToken for a random tenant (timed), then ~1 ms of idle. */
async function expiryUnderLoad(tokens: TokenService, ids: readonly string[]) {
  const parts: number[][] = [];
  let expiredServed = 0;
  const deadline = Date.now() + EXPIRY_MS;
  let lastReport = Date.now();
  await Promise.all(
    Array.from({ length: EXPIRY_CALLERS }, async () => {
      const samples: number[] = [];
      parts.push(samples);
      while (Date.now() < deadline) {
        const id = ids[Math.floor(Math.random() * ids.length)];
        const start = now();
        const token = await tokens.getToken(id);
        samples.push(microsSince(start));
        if (token.expiresOn.getTime() <= Date.now()) expiredServed++;
        await sleep(1);
        if (Date.now() - lastReport > 10_000) {
          lastReport = Date.now();
          log(`  expiry phase: ${Math.round((deadline - Date.now()) / 1000)} s left`);
        }
      }
    }),
  );
  return { samples: Float64Array.from(parts.flat()), expiredServed };
}

async function main(): Promise<void> {
  const resources: Resources = { sims: [], processes: [] };
  let cleaned: Promise<void> | undefined;
  const cleanUp = () => (cleaned ??= cleanup(resources));
  let stopped: number | undefined;
  const stop = (why: string, code: number) => {
    if (stopped !== undefined) return;
    stopped = code;
    log(`${why}; cleaning up`);
    void cleanUp().finally(() => process.exit(code));
  };
  const deadline = setTimeout(() => stop(`the run exceeded ${DEADLINE_MS / 1000} s`, 1), DEADLINE_MS);
  process.once('SIGINT', () => stop('interrupted', 130));
  process.once('SIGTERM', () => stop('terminated', 143));
  let exitCode = 0;
  try {
    const figures = await run(resources);
    await cleanUp();
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } catch (error) {
    // After a stop, the run fails on the connections cleanup closed: that is not news.
    if (stopped === undefined) log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
    await cleanUp();
    exitCode = stopped ?? 1;
  } finally {
    clearTimeout(deadline);
  }
  process.exit(exitCode);
}

void main();
