import { INestApplicationContext, Module, ModuleMetadata, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '@tenantry/config';
import {
  type EntraSimOptions,
  identityPlatformOfSimulator,
  type RunningEntraSim,
  startEntraSim,
} from '@tenantry/entra-sim';
import { JobExecutor, Jobs, JobsModule } from '@tenantry/jobs';
import { RuntimeModule } from '@tenantry/runtime';
import { TenantRegistry } from '@tenantry/tenants';
import { createTestDatabase, deleteRedisPrefix, TestDatabase, uniqueQueuePrefix } from './test-database';

export interface JobsTestbedOptions {
  readonly queue: 'redis' | 'postgres';
  /** The job types this deployment has (test doubles of an ISV's). */
  readonly types: readonly Type[];
  /** Modules the job types inject from (as `WorkloadModule` passes them). */
  readonly imports?: ModuleMetadata['imports'];
  /** Extra environment, as an operator would set it (limits, lease). */
  readonly env?: Record<string, string>;
  /** The simulator's options (default: the demo seed). */
  readonly sim?: EntraSimOptions;
}

export interface JobsProcess {
  readonly app: INestApplicationContext;
  readonly jobs: Jobs;
  readonly registry: TenantRegistry;
  readonly dataSource: DataSource;
  /** Serves the jobs queue from this process (dispatching too), as apps/worker does. */
  startWorker(): void;
  close(): Promise<void>;
}

export interface JobsTestbed extends JobsProcess {
  readonly config: AppConfig;
  readonly database: TestDatabase;
  readonly sim: RunningEntraSim;
  /** A new tenant, consented and verified: active. */
  activeTenant(): Promise<string>;
  /** The run's row, as operators will see it. */
  run(id: string): Promise<{ status: string; attempts: number; error_code: string | null; tenant_id: string }>;
  /** Waits until no run of an active tenant is queued, dispatched or running (or the time is up). */
  drained(timeoutMs?: number): Promise<void>;
  /** Another process of the platform on the same database and queue (a second worker, say). */
  startProcess(): Promise<JobsProcess>;
  close(): Promise<void>;
}

/** The job runtime on the real PostgreSQL and Redis (or BullMQ's PostgreSQL backend). */
export async function startJobsTestbed(options: JobsTestbedOptions): Promise<JobsTestbed> {
  const sim = await startEntraSim({ seed: 'demo', ...options.sim });
  const database = await createTestDatabase();
  const prefix = uniqueQueuePrefix();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    QUEUE_PREFIX: prefix,
    SHUTDOWN_TIMEOUT_MS: '5000',
    JOBS_POLL_INTERVAL_MS: '50',
    ...(options.queue === 'redis' ? { REDIS_URL: process.env.TEST_REDIS_URL as string } : {}),
    ...options.env,
  });
  const identity = identityPlatformOfSimulator(sim);

  @Module({
    imports: [
      RuntimeModule.forRoot(config, identity),
      ...(options.imports ?? []),
      JobsModule.forRoot({ types: options.types, imports: options.imports }),
    ],
  })
  class JobsProcessModule {}

  const processes: INestApplicationContext[] = [];
  const startProcess = async (): Promise<JobsProcess> => {
    const app = await NestFactory.createApplicationContext(JobsProcessModule, { logger: false, abortOnError: false });
    await app.init();
    processes.push(app);
    return {
      app,
      jobs: app.get(Jobs),
      registry: app.get(TenantRegistry),
      dataSource: app.get(DataSource),
      startWorker: () => app.get(JobExecutor).start(),
      close: () => app.close(),
    };
  };

  let first: JobsProcess;
  try {
    first = await startProcess();
  } catch (error) {
    await Promise.all([database.drop(), sim.stop()]);
    throw error;
  }
  return {
    ...first,
    config,
    database,
    sim,
    activeTenant: async () => {
      const tenantId = randomUUID();
      await first.registry.recordConsent({ tenantId, consentedAt: new Date() }, 'test');
      await first.registry.transition(tenantId, 'active', { reason: 'consent_verified', actor: 'test' });
      return tenantId;
    },
    run: async (id) => {
      const [row] = await first.dataSource.query(
        'SELECT status, attempts, error_code, tenant_id FROM job_runs WHERE id = $1',
        [id],
      );
      return row;
    },
    drained: async (timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [{ n }] = await first.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM job_runs r JOIN tenants t ON t.tenant_id = r.tenant_id
           WHERE r.status IN ('queued', 'dispatched', 'running') AND t.status = 'active'`,
        );
        if (n === 0) return;
        if (Date.now() > deadline) throw new Error(`${n} runs still pending after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    startProcess,
    close: async () => {
      for (const app of processes.reverse()) await app.close().catch(() => undefined);
      if (config.queue.redisUrl) await deleteRedisPrefix(config.queue.redisUrl, prefix);
      await database.drop();
      await sim.stop();
    },
  };
}
