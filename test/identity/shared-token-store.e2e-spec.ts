import { Test } from '@nestjs/testing';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { APP_CONFIG, loadConfig } from '@tenantry/config';
import { dataSourceOptions, migrate } from '@tenantry/database';
import { createTestDatabase, TestDatabase, uniqueQueuePrefix } from '@tenantry/testing';
import {
  PostgresSharedTokenStore,
  provideSharedTokenStore,
  RedisSharedTokenStore,
  SHARED_TOKEN_STORE,
  SharedTokenStore,
  TokenCipher,
} from '@tenantry/identity';

const ROOT = join(__dirname, '..', '..');
const LOCK_TTL_MS = 200;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** One backend under test: two stores on it (our key, another key) and raw access to its bytes. */
interface Backend {
  readonly store: SharedTokenStore;
  readonly storeWithOtherKey: SharedTokenStore;
  /** The stored bytes of an entry, exactly as the backend holds them. */
  raw(key: string): Promise<Buffer | undefined>;
  /** Copies an entry's stored bytes under another key, as an attacker with write access could. */
  copyRaw(from: string, to: string): Promise<void>;
  close(): Promise<void>;
}

async function redisBackend(): Promise<Backend> {
  const redis = new IORedis(process.env.TEST_REDIS_URL as string);
  const prefix = uniqueQueuePrefix();
  const entryKey = (key: string) => `${prefix}:token-cache:${key}`;
  return {
    store: new RedisSharedTokenStore(redis, prefix, new TokenCipher(randomBytes(32))),
    storeWithOtherKey: new RedisSharedTokenStore(redis, prefix, new TokenCipher(randomBytes(32))),
    raw: async (key) => (await redis.getBuffer(entryKey(key))) ?? undefined,
    copyRaw: async (from, to) => {
      await redis.set(entryKey(to), (await redis.getBuffer(entryKey(from))) as Buffer, 'PX', 60_000);
    },
    close: async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}

function postgresBackendOn(dataSource: DataSource, release: () => Promise<void>): Backend {
  return {
    store: new PostgresSharedTokenStore(dataSource, new TokenCipher(randomBytes(32))),
    storeWithOtherKey: new PostgresSharedTokenStore(dataSource, new TokenCipher(randomBytes(32))),
    raw: async (key) => {
      const [row] = await dataSource.query<{ ciphertext: Buffer }[]>(
        'SELECT ciphertext FROM token_cache WHERE cache_key = $1',
        [key],
      );
      return row?.ciphertext;
    },
    copyRaw: async (from, to) => {
      await dataSource.query(
        `INSERT INTO token_cache (cache_key, ciphertext, expires_at, refresh_at)
         SELECT $2, ciphertext, expires_at, refresh_at FROM token_cache WHERE cache_key = $1`,
        [from, to],
      );
    },
    close: release,
  };
}

async function postgresBackend(): Promise<Backend> {
  const database: TestDatabase = await createTestDatabase();
  const dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
  await migrate(dataSource);
  return postgresBackendOn(dataSource, async () => {
    await dataSource.destroy();
    await database.drop();
  });
}

// PGlite needs dynamic import, which Jest's VM refuses; so the embedded server runs in a child
// process, exactly as a second Tenantry process would reach it: over the wire protocol.
const EMBEDDED_SERVER = `
  const { EmbeddedPostgres } = require('./libs/database/src/embedded-postgres');
  EmbeddedPostgres.start(process.env.DATA_DIR).then((embedded) => {
    console.log('LISTENING ' + embedded.url);
    process.on('SIGTERM', () => embedded.stop().then(() => process.exit(0)));
  });
`;

/** The embedded default (PGlite): the same SQL must hold there too. */
async function pgliteBackend(): Promise<Backend> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tenantry-token-cache-'));
  const server = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', EMBEDDED_SERVER], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
  });
  const exited = new Promise((done) => server.once('close', done));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    server.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /LISTENING (\S+)/.exec(output);
      if (match) resolve(match[1] as string);
    });
    server.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.once('close', () => reject(new Error(`embedded PostgreSQL did not start:\n${output}`)));
  });
  const dataSource = await new DataSource(dataSourceOptions(url)).initialize();
  await migrate(dataSource);
  return postgresBackendOn(dataSource, async () => {
    await dataSource.destroy();
    server.kill('SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  });
}

describe.each([
  ['Redis', redisBackend, false],
  ['PostgreSQL', postgresBackend, true],
  ['embedded PGlite', pgliteBackend, true],
] as const)('the shared token store on %s', (_name, start, isPostgres) => {
  let backend: Backend;
  let store: SharedTokenStore;
  let counter = 0;
  // Every test on its own keys, so no test sees another's entries or locks.
  const newKey = () => `tenant-${++counter}-${randomBytes(4).toString('hex')}|https://graph.microsoft.com/.default`;
  const entryFor = (key: string, expiresInMs = 3_600_000) => ({
    accessToken: `access-token-${key}-${randomBytes(8).toString('hex')}`,
    expiresOn: Date.now() + expiresInMs,
    refreshOn: Date.now() + expiresInMs / 2,
  });

  beforeAll(async () => {
    backend = await start();
    store = backend.store;
  });

  afterAll(async () => {
    await backend?.close();
  });

  describe('entries', () => {
    it('come back as they were stored, and can be replaced and deleted', async () => {
      const key = newKey();
      expect(await store.get(key)).toBeUndefined();
      const first = entryFor(key);
      await store.set(key, first);
      expect(await store.get(key)).toEqual(first);

      const second = entryFor(key);
      await store.set(key, second);
      expect(await store.get(key)).toEqual(second);

      await store.delete(key);
      expect(await store.get(key)).toBeUndefined();
      await store.delete(key);
    });

    it('are gone once expired', async () => {
      const past = newKey();
      await store.set(past, entryFor(past, -1_000));
      expect(await store.get(past)).toBeUndefined();

      const replaced = newKey();
      await store.set(replaced, entryFor(replaced));
      await store.set(replaced, entryFor(replaced, -1_000));
      expect(await store.get(replaced)).toBeUndefined();

      const shortLived = newKey();
      await store.set(shortLived, entryFor(shortLived, 150));
      expect(await store.get(shortLived)).toBeDefined();
      await sleep(250);
      expect(await store.get(shortLived)).toBeUndefined();
    });

    it('are stored without the access token in them', async () => {
      const key = newKey();
      const entry = entryFor(key);
      await store.set(key, entry);
      const raw = await backend.raw(key);
      expect(raw).toBeInstanceOf(Buffer);
      expect(raw?.includes(Buffer.from(entry.accessToken))).toBe(false);
      expect(raw?.toString('latin1')).not.toContain('access-token');
      expect(raw?.toString('base64')).not.toContain(Buffer.from(entry.accessToken).toString('base64').slice(0, 16));
    });

    it('never decrypt when copied under another key (tenant A never comes back for B)', async () => {
      const tenantA = newKey();
      const tenantB = newKey();
      await store.set(tenantA, entryFor(tenantA));
      await backend.copyRaw(tenantA, tenantB);
      expect(await backend.raw(tenantB)).toBeDefined();
      expect(await store.get(tenantB)).toBeUndefined();
    });

    it('never decrypt with another key', async () => {
      const key = newKey();
      await store.set(key, entryFor(key));
      expect(await backend.storeWithOtherKey.get(key)).toBeUndefined();
      expect(await store.get(key)).toBeDefined();
    });
  });

  describe('locks', () => {
    it('go to exactly one of 20 concurrent callers', async () => {
      const key = newKey();
      const holders = await Promise.all(Array.from({ length: 20 }, () => store.tryLock(key, 5_000)));
      expect(holders.filter((holder) => holder !== undefined)).toHaveLength(1);
      const otherKey = newKey();
      expect(await store.tryLock(otherKey, 5_000)).toBeDefined();
    });

    it('lapse after their ttl', async () => {
      const key = newKey();
      const first = await store.tryLock(key, LOCK_TTL_MS);
      expect(first).toBeDefined();
      expect(await store.tryLock(key, LOCK_TTL_MS)).toBeUndefined();
      await sleep(LOCK_TTL_MS + 100);
      const second = await store.tryLock(key, LOCK_TTL_MS);
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
      // The lapsed holder no longer owns it, so its late unlock must not free the new holder's lock.
      await store.unlock(key, first as string);
      expect(await store.tryLock(key, LOCK_TTL_MS)).toBeUndefined();
    });

    it('are released by their holder only', async () => {
      const key = newKey();
      const holder = await store.tryLock(key, 5_000);
      expect(holder).toBeDefined();
      await store.unlock(key, 'not-the-holder');
      expect(await store.tryLock(key, 5_000)).toBeUndefined();
      await store.unlock(key, holder as string);
      expect(await store.tryLock(key, 5_000)).toBeDefined();
    });
  });

  // Redis expires entries itself; PostgreSQL has its housekeeping to prove.
  if (isPostgres) {
    it('purges expired entries and lapsed locks', async () => {
      const postgres = store as PostgresSharedTokenStore;
      const entry = newKey();
      await store.set(entry, entryFor(entry, 100));
      const lock = newKey();
      await store.tryLock(lock, 100);
      await sleep(200);
      expect(await postgres.purgeExpired()).toBeGreaterThanOrEqual(2);
      expect(await backend.raw(entry)).toBeUndefined();
    });
  }
});

describe('provideSharedTokenStore', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const tokenCacheKey = randomBytes(32).toString('base64');

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(database.url)).initialize();
    await migrate(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const compile = (env: Record<string, string>) =>
    Test.createTestingModule({
      providers: [
        { provide: APP_CONFIG, useValue: loadConfig({ TOKEN_CACHE_KEY: tokenCacheKey, ...env }) },
        { provide: DataSource, useValue: dataSource },
        provideSharedTokenStore(),
      ],
    }).compile();

  it('picks Redis when REDIS_URL is set, on a connection it closes at shutdown', async () => {
    const prefix = uniqueQueuePrefix();
    const module = await compile({ REDIS_URL: process.env.TEST_REDIS_URL as string, QUEUE_PREFIX: prefix });
    const store = module.get<SharedTokenStore>(SHARED_TOKEN_STORE);
    expect(store).toBeInstanceOf(RedisSharedTokenStore);
    const entry = { accessToken: 'token', expiresOn: Date.now() + 60_000, refreshOn: Date.now() + 30_000 };
    await store.set('key', entry);
    expect(await store.get('key')).toEqual(entry);
    await store.delete('key');
    const redis = (store as unknown as { redis: IORedis }).redis;
    const ended = redis.status === 'end' ? Promise.resolve() : once(redis, 'end');
    await module.close();
    await ended;
    expect(redis.status).toBe('end');
  });

  it('picks PostgreSQL on the application DataSource otherwise', async () => {
    const module = await compile({});
    const store = module.get<SharedTokenStore>(SHARED_TOKEN_STORE);
    expect(store).toBeInstanceOf(PostgresSharedTokenStore);
    const entry = { accessToken: 'token', expiresOn: Date.now() + 60_000, refreshOn: Date.now() + 30_000 };
    await store.set('key', entry);
    expect(await store.get('key')).toEqual(entry);
    await module.close();
    expect(dataSource.isInitialized).toBe(true);
  });
});
