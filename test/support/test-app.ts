import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureHttpApp, HTTP_APP_OPTIONS } from '../../apps/api/src/configure-http-app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { AppConfig, loadConfig } from '@tenantry/config';
import { identityPlatformOfSimulator, type RunningEntraSim, startEntraSim } from '@tenantry/entra-sim';
import { ApiKeyService, OperatorRole } from '@tenantry/operator-auth';
import { RuntimeModule } from '@tenantry/runtime';
import { createTestDatabase, deleteRedisPrefix, TestDatabase, uniqueQueuePrefix } from './test-database';

export interface TestAppOptions {
  /** Queue backend: Redis (default, the production path) or BullMQ's PostgreSQL backend. */
  readonly queue?: 'redis' | 'postgres';
  /** Extra environment, as an operator would set it. */
  readonly env?: Record<string, string>;
}

export interface TestApp {
  readonly app: NestExpressApplication;
  readonly config: AppConfig;
  readonly baseUrl: string;
  readonly dataSource: DataSource;
  readonly database: TestDatabase;
  readonly sim: RunningEntraSim;
  /** Creates an API key with that role and returns the key itself. */
  keyFor(role: OperatorRole): Promise<string>;
  /** One HTTP request to the platform, as a client sends it (JSON body, API key when given). */
  request<T>(
    method: string,
    path: string,
    options?: { readonly key?: string; readonly body?: unknown },
  ): Promise<ApiAnswer<T>>;
  close(): Promise<void>;
}

export interface ApiAnswer<T> {
  readonly status: number;
  /** The parsed JSON body (undefined when empty). */
  readonly body: T;
  readonly type: string | null;
}

/**
 * The whole platform (API and worker) as `npm start` runs it, on its own database and queue
 * prefix, listening on an ephemeral port.
 */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const sim = await startEntraSim({ seed: 'demo' });
  const identity = identityPlatformOfSimulator(sim);
  const database = await createTestDatabase();
  const prefix = uniqueQueuePrefix();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    DATABASE_URL: database.url,
    QUEUE_PREFIX: prefix,
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...(options.queue === 'postgres' ? {} : { REDIS_URL: process.env.TEST_REDIS_URL as string }),
    ...options.env,
  });

  @Module({ imports: [RuntimeModule.forRoot(config, identity), ApiModule, WorkerModule] })
  class TestRootModule {}

  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(TestRootModule, {
      ...HTTP_APP_OPTIONS,
      logger: false,
      abortOnError: false,
    });
    configureHttpApp(app, config);
    await app.listen(config.http.port, '127.0.0.1');
  } catch (error) {
    await Promise.all([database.drop(), sim.stop()]);
    throw error;
  }
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;

  return {
    app,
    config,
    baseUrl,
    dataSource: app.get(DataSource),
    database,
    sim,
    keyFor: async (role) => (await app.get(ApiKeyService).create(`test-${role}`, role, 'test')).key,
    request: async <T>(method: string, path: string, options: { key?: string; body?: unknown } = {}) => {
      const response = await fetch(baseUrl + path, {
        method,
        headers: {
          ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await response.text();
      return {
        status: response.status,
        body: (text === '' ? undefined : JSON.parse(text)) as T,
        type: response.headers.get('content-type'),
      };
    },
    close: async () => {
      await app.close();
      if (config.queue.redisUrl) await deleteRedisPrefix(config.queue.redisUrl, prefix);
      await database.drop();
      await sim.stop();
    },
  };
}
