// A worker process for job-crash.e2e-spec.ts: serves the jobs queue with one job type whose
// handler inserts one row per job under its key (idempotent, as every job must be), slowly
// enough that a SIGKILL lands mid-run; stops on SIGTERM as apps/worker does. Configured by the
// environment like apps/worker.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@tenantry/config';
import { identityPlatformOfSimulator, startEntraSim } from '@tenantry/entra-sim';
import { JobExecutor, JobsModule } from '@tenantry/jobs';
import { closeOnSignals, RuntimeModule } from '@tenantry/runtime';
import { InsertRowJob, KillWorkerJob, RecordJob } from '../support/test-job-types';

async function main(): Promise<void> {
  const sim = await startEntraSim({ seed: 'demo' });
  const config = loadConfig();

  @Module({
    imports: [
      RuntimeModule.forRoot(config, identityPlatformOfSimulator(sim)),
      JobsModule.forRoot({ types: [InsertRowJob, KillWorkerJob, RecordJob] }),
    ],
  })
  class CrashWorkerModule {}

  const app = await NestFactory.createApplicationContext(CrashWorkerModule, { logger: ['error'] });
  await app.init();
  app.get(JobExecutor).start();
  closeOnSignals(app, config.shutdownTimeoutMs);
  process.stdout.write('worker ready\n');
}

void main();
