/**
 * bench:onboarding — callback-to-`active` time of admin-consent onboarding (M1·4) in simulator
 * mode with no consent propagation delay. The whole platform (API + worker) runs in this process
 * as `npm start` runs it, on a fresh PostgreSQL database and a private Redis prefix, against an
 * in-process entra-sim. For each onboarding: a new customer directory consents in the simulator,
 * an operator creates a link over HTTP, and the measured interval runs from sending
 * `GET /onboarding/callback` to the registry's lifecycle event that makes the tenant `active`.
 * Phases: a warm-up, ONBOARDINGS one after another, then ONBOARDINGS callbacks at once.
 * The verifier is wrapped (timing only) to split the interval into queue pickup and verification.
 * Progress goes to stderr; the last stdout line is one JSON object of figures.
 */
import {
  benchConfig,
  cleanupStep,
  createBenchServices,
  deleteRedisPrefix,
  dropBenchDatabase,
  percentile,
  round,
  withTimeout,
} from './support/bench-services';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { ApiModule } from '../apps/api/src/api.module';
import { configureHttpApp, HTTP_APP_OPTIONS } from '../apps/api/src/configure-http-app';
import { WorkerModule } from '../apps/worker/src/worker.module';
import { identityPlatformOfSimulator, type RunningEntraSim, startEntraSim } from '@tenantry/entra-sim';
import { TenantVerifier } from '@tenantry/onboarding';
import { ApiKeyService } from '@tenantry/operator-auth';
import { QueueBackend } from '@tenantry/queue';
import { RuntimeModule } from '@tenantry/runtime';
import { TenantLifecycleEvents, TenantRegistry } from '@tenantry/tenants';

const ONBOARDINGS = 50;
const WARMUP = 3;
const VERIFY_FIRST_DELAY_MS = 200;
const ONBOARDING_TIMEOUT_MS = 15_000;
const DEADLINE_MS = 120_000;
/** The concurrent batch starts only if this much of the deadline is left. */
const CONCURRENT_MIN_LEFT_MS = 40_000;

const log = (line: string) => process.stderr.write(`[bench:onboarding] ${line}\n`);
const now = () => process.hrtime.bigint();
const msBetween = (start: bigint, end: bigint) => Number(end - start) / 1e6;

function summary(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mean: sorted.reduce((sum, x) => sum + x, 0) / sorted.length,
  };
}

// ---- resources and cleanup ------------------------------------------------------------------

interface Resources {
  sim?: RunningEntraSim;
  app?: NestExpressApplication;
  databaseName?: string;
  queuePrefix?: string;
}

async function cleanup(resources: Resources): Promise<void> {
  const step = cleanupStep(log);
  const { app, sim, databaseName, queuePrefix } = resources;
  resources.app = resources.sim = resources.databaseName = resources.queuePrefix = undefined;
  if (app) await step('close application', () => app.close());
  if (sim) await step('stop simulator', () => sim.stop());
  if (databaseName) await step('drop database', () => dropBenchDatabase(databaseName));
  if (queuePrefix) await step('delete redis keys', () => deleteRedisPrefix(queuePrefix));
}

// ---- the platform ---------------------------------------------------------------------------

interface Platform {
  readonly baseUrl: string;
  readonly operatorKey: string;
  readonly registry: TenantRegistry;
  readonly queueBackend: string;
  /** Resolves at the lifecycle event that makes `tenantId` active (rejects on another outcome). */
  activation(tenantId: string): Promise<bigint>;
  /** When the worker started and finished verifying `tenantId` (first attempt). */
  readonly verifyTimes: Map<string, { start: bigint; end?: bigint; attempts: number }>;
}

async function startPlatform(resources: Resources): Promise<Platform> {
  const { databaseName, databaseUrl, queuePrefix } = await createBenchServices();
  resources.databaseName = databaseName;
  resources.queuePrefix = queuePrefix;

  const sim = await startEntraSim({ seed: 'demo', consentPropagationDelayMs: 0 });
  resources.sim = sim;
  const config = benchConfig(
    { databaseUrl, queuePrefix },
    { PORT: '0', ONBOARDING_VERIFY_FIRST_DELAY_MS: String(VERIFY_FIRST_DELAY_MS), SHUTDOWN_TIMEOUT_MS: '5000' },
  );

  @Module({ imports: [RuntimeModule.forRoot(config, identityPlatformOfSimulator(sim)), ApiModule, WorkerModule] })
  class BenchRootModule {}

  const app = await NestFactory.create<NestExpressApplication>(BenchRootModule, {
    ...HTTP_APP_OPTIONS,
    logger: false,
    abortOnError: false,
  });
  resources.app = app;
  configureHttpApp(app, config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };

  const waiting = new Map<string, { resolve: (at: bigint) => void; reject: (error: Error) => void }>();
  app.get(TenantLifecycleEvents).subscribe((change) => {
    const at = now();
    const waiter = waiting.get(change.tenantId);
    if (!waiter) return;
    if (change.to === 'active') {
      waiting.delete(change.tenantId);
      waiter.resolve(at);
    } else if (change.to !== 'pending') {
      waiting.delete(change.tenantId);
      waiter.reject(new Error(`tenant ${change.tenantId} went ${change.to} (${change.reason})`));
    }
  });

  // Timing only: the worker calls this very instance, so wrapping it splits callback → active
  // into queue pickup (callback → verify start) and verification (token + registry update).
  const verifyTimes = new Map<string, { start: bigint; end?: bigint; attempts: number }>();
  const verifier = app.get(TenantVerifier);
  const verify = verifier.verify.bind(verifier);
  verifier.verify = async (tenantId, finalAttempt) => {
    const seen = verifyTimes.get(tenantId);
    if (seen) seen.attempts++;
    else verifyTimes.set(tenantId, { start: now(), attempts: 1 });
    const result = await verify(tenantId, finalAttempt);
    const times = verifyTimes.get(tenantId);
    if (times && times.end === undefined) times.end = now();
    return result;
  };

  const created = await app.get(ApiKeyService).create('bench-operator', 'operator', 'bench');
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    operatorKey: created.key,
    registry: app.get(TenantRegistry),
    queueBackend: app.get(QueueBackend).kind,
    verifyTimes,
    activation: (tenantId) =>
      withTimeout(
        `activation of ${tenantId}`,
        ONBOARDING_TIMEOUT_MS,
        new Promise<bigint>((resolve, reject) => waiting.set(tenantId, { resolve, reject })),
      ).finally(() => waiting.delete(tenantId)),
  };
}

// ---- one onboarding -------------------------------------------------------------------------

interface Prepared {
  readonly tenantId: string;
  readonly state: string;
}

interface Measured {
  readonly tenantId: string;
  /** Callback sent → tenant active. */
  readonly totalMs: number;
  /** Callback sent → its response's body read. */
  readonly callbackMs: number;
  /** Callback sent → the worker starts verifying. */
  readonly pickupMs: number;
  /** The worker's first verification, start to end. */
  readonly verifyMs: number;
}

let directoryCount = 0;

/** A new customer directory that has consented in the simulator, and a link for it over HTTP. */
async function prepare(platform: Platform, sim: RunningEntraSim): Promise<Prepared> {
  const tenantId = randomUUID();
  const n = ++directoryCount;
  sim.state.upsertTenant({
    tenantId,
    displayName: `Bench customer ${n}`,
    domain: `bench${n}-${tenantId.slice(0, 8)}.onmicrosoft.com`,
  });
  sim.state.grantConsent(tenantId, sim.demo.clientId);
  const response = await fetch(`${platform.baseUrl}/api/v1/onboarding-links`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.operatorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantHint: tenantId }),
  });
  if (response.status !== 201) throw new Error(`create link: ${response.status} ${await response.text()}`);
  const { url } = (await response.json()) as { url: string };
  const state = new URL(url).searchParams.get('state');
  if (!state) throw new Error(`create link: no state in ${url}`);
  return { tenantId, state };
}

async function onboard(platform: Platform, { tenantId, state }: Prepared): Promise<Measured> {
  const callbackUrl = new URL('/onboarding/callback', platform.baseUrl);
  callbackUrl.search = new URLSearchParams({ admin_consent: 'True', tenant: tenantId, state }).toString();
  const active = platform.activation(tenantId);
  active.catch(() => undefined); // awaited below; do not let an early rejection go unhandled
  const start = now();
  const response = await fetch(callbackUrl);
  const page = await response.text();
  const callbackEnd = now();
  if (response.status !== 200 || !page.includes('Consent received')) {
    throw new Error(`callback for ${tenantId}: ${response.status} ${page.slice(0, 200)}`);
  }
  const end = await active;
  const tenant = await platform.registry.get(tenantId);
  if (tenant.status !== 'active') throw new Error(`tenant ${tenantId} is ${tenant.status} after activation`);
  const verify = platform.verifyTimes.get(tenantId);
  if (!verify?.end) throw new Error(`no verification recorded for ${tenantId}`);
  if (verify.attempts !== 1) log(`  ${tenantId}: ${verify.attempts} verification attempts`);
  return {
    tenantId,
    totalMs: msBetween(start, end),
    callbackMs: msBetween(start, callbackEnd),
    pickupMs: msBetween(start, verify.start),
    verifyMs: msBetween(verify.start, verify.end),
  };
}

// ---- the run --------------------------------------------------------------------------------

async function run(resources: Resources, deadlineAt: number): Promise<Record<string, unknown>> {
  const runStarted = Date.now();
  const platform = await startPlatform(resources);
  const sim = resources.sim as RunningEntraSim;
  log(`platform up at ${platform.baseUrl} (queues on ${platform.queueBackend}) in ${Date.now() - runStarted} ms`);
  const tokenRequestsBefore = sim.counters.total('token');

  for (let i = 0; i < WARMUP; i++) await onboard(platform, await prepare(platform, sim));
  log(`warm-up: ${WARMUP} onboardings`);

  const sequential: Measured[] = [];
  for (let i = 0; i < ONBOARDINGS; i++) {
    sequential.push(await onboard(platform, await prepare(platform, sim)));
    if ((i + 1) % 10 === 0) {
      const s = summary(sequential.map((m) => m.totalMs));
      log(`  sequential ${i + 1}/${ONBOARDINGS}: median ${s.p50.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`);
    }
  }
  const total = summary(sequential.map((m) => m.totalMs));
  const callback = summary(sequential.map((m) => m.callbackMs));
  const pickup = summary(sequential.map((m) => m.pickupMs));
  const verify = summary(sequential.map((m) => m.verifyMs));
  log(
    `sequential: median ${total.p50.toFixed(1)} ms, p95 ${total.p95.toFixed(1)} ms ` +
      `(callback ${callback.p50.toFixed(1)} ms, to verify start ${pickup.p50.toFixed(1)} ms, ` +
      `verify ${verify.p50.toFixed(1)} ms)`,
  );

  let concurrentFigures: Record<string, number> = {};
  if (deadlineAt - Date.now() >= CONCURRENT_MIN_LEFT_MS) {
    const prepared: Prepared[] = [];
    for (let i = 0; i < ONBOARDINGS; i++) prepared.push(await prepare(platform, sim));
    const batchStart = now();
    const concurrent = await Promise.all(prepared.map((p) => onboard(platform, p)));
    const batchMs = msBetween(batchStart, now());
    const c = summary(concurrent.map((m) => m.totalMs));
    const cPickup = summary(concurrent.map((m) => m.pickupMs));
    const cCallback = summary(concurrent.map((m) => m.callbackMs));
    const cVerify = summary(concurrent.map((m) => m.verifyMs));
    log(
      `concurrent: ${ONBOARDINGS} at once: median ${c.p50.toFixed(1)} ms, p95 ${c.p95.toFixed(1)} ms, ` +
        `all active after ${batchMs.toFixed(0)} ms`,
    );
    concurrentFigures = {
      concurrent_onboardings: ONBOARDINGS,
      concurrent_median_ms: round(c.p50),
      concurrent_p95_ms: round(c.p95),
      concurrent_max_ms: round(c.max),
      concurrent_batch_ms: round(batchMs, 1),
      concurrent_callback_http_p50_ms: round(cCallback.p50),
      concurrent_to_verify_start_p50_ms: round(cPickup.p50),
      concurrent_verify_p50_ms: round(cVerify.p50),
    };
  } else {
    log('concurrent batch skipped: not enough time left before the deadline');
  }

  return {
    onboardings: ONBOARDINGS,
    median_ms: round(total.p50),
    p95_ms: round(total.p95),
    min_ms: round(total.min),
    max_ms: round(total.max),
    mean_ms: round(total.mean),
    callback_http_p50_ms: round(callback.p50),
    callback_http_p95_ms: round(callback.p95),
    to_verify_start_p50_ms: round(pickup.p50),
    to_verify_start_p95_ms: round(pickup.p95),
    verify_p50_ms: round(verify.p50),
    verify_p95_ms: round(verify.p95),
    ...concurrentFigures,
    warmup_onboardings: WARMUP,
    token_requests: sim.counters.total('token') - tokenRequestsBefore,
    verify_first_delay_ms: VERIFY_FIRST_DELAY_MS,
    queue_backend: platform.queueBackend,
    total_s: round((Date.now() - runStarted) / 1000, 1),
    node: process.version,
  };
}

async function main(): Promise<void> {
  const resources: Resources = {};
  let cleaned: Promise<void> | undefined;
  const cleanUp = () => (cleaned ??= cleanup(resources));
  let stopped: number | undefined;
  const stop = (why: string, code: number) => {
    if (stopped !== undefined) return;
    stopped = code;
    log(`${why}; cleaning up`);
    void cleanUp().finally(() => process.exit(code));
  };
  const deadlineAt = Date.now() + DEADLINE_MS;
  const deadline = setTimeout(() => stop(`the run exceeded ${DEADLINE_MS / 1000} s`, 1), DEADLINE_MS);
  process.once('SIGINT', () => stop('interrupted', 130));
  process.once('SIGTERM', () => stop('terminated', 143));
  let exitCode = 0;
  try {
    const figures = await run(resources, deadlineAt);
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
