import { FactoryProvider, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@tenantry/config';
import { APP_CONFIG, ConfigValidationError } from '@tenantry/config';
import { PostgresSharedTokenStore } from './postgres-shared-token-store';
import { RedisSharedTokenStore } from './redis-shared-token-store';
import { SHARED_TOKEN_STORE, SharedTokenStore } from './shared-token-store';
import { TokenCipher } from './token-cipher';

const KEY_BYTES = 32;
const SIMULATOR_KEY_FILE = 'token-cache.key';

/**
 * `SHARED_TOKEN_STORE` for a Nest module: Redis when `REDIS_URL` is set (on a connection of its
 * own, closed at application shutdown), otherwise PostgreSQL on the application's DataSource.
 * Needs `APP_CONFIG` and TypeORM's `DataSource` in scope.
 */
export function provideSharedTokenStore(): FactoryProvider<SharedTokenStore> {
  return {
    provide: SHARED_TOKEN_STORE,
    inject: [APP_CONFIG, DataSource],
    useFactory: (config: AppConfig, dataSource: DataSource) => createSharedTokenStore(config, dataSource),
  };
}

export async function createSharedTokenStore(config: AppConfig, dataSource: DataSource): Promise<SharedTokenStore> {
  const cipher = new TokenCipher(await resolveTokenCacheKey(config));
  if (config.queue.redisUrl === undefined) return new PostgresSharedTokenStore(dataSource, cipher);

  const logger = new Logger(RedisSharedTokenStore.name);
  // A cache must not hang its callers while Redis is away: fail the command fast and let the
  // token service fall back to asking the identity platform.
  const redis = new IORedis(config.queue.redisUrl, {
    maxRetriesPerRequest: 1,
    // A hung Redis must not hang token callers: give up and fall back to the identity platform.
    commandTimeout: 1000,
    connectionName: 'tenantry-token-cache',
  });
  redis.on('error', (error: Error) => logger.warn(`Redis: ${error.message}`));
  return new RedisSharedTokenStore(redis, config.queue.prefix, cipher, { ownsConnection: true });
}

/**
 * `TOKEN_CACHE_KEY`, or in simulator mode a key kept in the data directory, so every process on
 * the machine (api, worker, CLI) reads the others' entries without any setup.
 */
export async function resolveTokenCacheKey(config: AppConfig): Promise<Buffer> {
  if (config.tokenCacheKey !== undefined) return config.tokenCacheKey;
  if (config.azure.mode !== 'simulator') {
    throw new ConfigValidationError([
      'TOKEN_CACHE_KEY: required when the shared cache is on outside simulator mode ' +
        '(32 random bytes, base64: openssl rand -base64 32)',
    ]);
  }
  return loadOrCreateKeyFile(join(resolve(config.database.dataDir), SIMULATOR_KEY_FILE));
}

async function loadOrCreateKeyFile(path: string): Promise<Buffer> {
  const existing = await readKeyFile(path);
  if (existing !== undefined) return existing;

  await mkdir(resolve(path, '..'), { recursive: true });
  // Written in full under a private name, then published with link(), which fails if the name
  // exists: two processes starting together both end up reading the one key that won.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(draft, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    await link(draft, path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  } finally {
    await rm(draft, { force: true });
  }
  const key = await readKeyFile(path);
  if (key === undefined) throw new Error(`${path} vanished while it was being created`);
  return key;
}

async function readKeyFile(path: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    // Never the content in the message. Deleting the file only empties the shared cache.
    throw new Error(`${path} does not hold a ${KEY_BYTES}-byte base64 key; delete it and a new one is made`);
  }
  return key;
}
