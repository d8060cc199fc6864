import { INestApplicationContext, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig, loadConfig } from '@tenantry/config';
import { identityPlatformOfSimulator, type RunningEntraSim, startEntraSim } from '@tenantry/entra-sim';
import { JobExecutor, Jobs, JobsModule } from '@tenantry/jobs';
import { QueueBackend } from '@tenantry/queue';
import { RuntimeModule } from '@tenantry/runtime';
import { TenantRegistry } from '@tenantry/tenants';
import { cleanupStep, createBenchServices, deleteRedisPrefix, dropBenchDatabase, REDIS_URL } from './bench-services';

export type Backend = 'redis' | 'postgres';

/** The job runtime as apps/worker runs it, on a fresh database (and Redis prefix) of its own. */
export interface JobsPlatform {
  readonly app: INestApplicationContext;
  readonly config: AppConfig;
  readonly jobs: Jobs;
  readonly queues: QueueBackend;
  readonly dataSource: DataSource;
  /** Registers that many tenants, consented and active. */
  activeTenants(count: number): Promise<string[]>;
  startWorker(): void;
  close(log: (line: string) => void): Promise<void>;
}

export async function startJobsPlatform(
  backend: Backend,
  types: readonly Type[],
  env: Record<string, string> = {},
): Promise<JobsPlatform> {
  const services = await createBenchServices();
  let sim: RunningEntraSim | undefined;
  let app: INestApplicationContext | undefined;
  const close = async (log: (line: string) => void) => {
    const step = cleanupStep(log);
    if (app) await step('close application', () => app!.close());
    if (sim) await step('stop simulator', () => sim!.stop());
    await step('drop database', () => dropBenchDatabase(services.databaseName));
    if (backend === 'redis') await step('delete redis keys', () => deleteRedisPrefix(services.queuePrefix));
  };
  try {
    sim = await startEntraSim({ seed: 'demo' });
    const config = loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'silent',
      DATABASE_URL: services.databaseUrl,
      QUEUE_PREFIX: services.queuePrefix,
      ...(backend === 'redis' ? { REDIS_URL } : {}),
      ...env,
    });
    @Module({
      imports: [RuntimeModule.forRoot(config, identityPlatformOfSimulator(sim)), JobsModule.forRoot({ types })],
    })
    class BenchJobsModule {}
    app = await NestFactory.createApplicationContext(BenchJobsModule, { logger: false, abortOnError: false });
    await app.init();
    const context = app;
    const registry = app.get(TenantRegistry);
    return {
      app,
      config,
      jobs: app.get(Jobs),
      queues: app.get(QueueBackend),
      dataSource: app.get(DataSource),
      activeTenants: async (count) => {
        const ids = Array.from({ length: count }, () => randomUUID());
        for (const tenantId of ids) {
          await registry.recordConsent({ tenantId, consentedAt: new Date() }, 'bench');
          await registry.transition(tenantId, 'active', { reason: 'consent_verified', actor: 'bench' });
        }
        return ids;
      },
      startWorker: () => context.get(JobExecutor).start(),
      close,
    };
  } catch (error) {
    await close(() => undefined);
    throw error;
  }
}
