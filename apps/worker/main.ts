import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { closeOnSignals, identityPlatformOrExit, loadConfigOrExit, RuntimeModule } from '@tenantry/runtime';
import { WorkerModule } from './src/worker.module';

/** The worker process: BullMQ workers in a Nest application context, no HTTP server. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const identity = identityPlatformOrExit(config);

  @Module({ imports: [RuntimeModule.forRoot(config, identity), WorkerModule] })
  class WorkerProcessModule {}

  const app = await NestFactory.createApplicationContext(WorkerProcessModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  await app.init();
  closeOnSignals(app, config.shutdownTimeoutMs);
}

void main();
