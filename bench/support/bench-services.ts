import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { type AppConfig, loadConfig } from '@tenantry/config';

/** The real services benchmarks run against (the machine's own, like the tests). */
export const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const BENCH_DATABASE = /^tenantry_bench_[a-f0-9]+$/;

export const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Nearest-rank percentile of an ascending series. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function withTimeout<T>(what: string, ms: number, run: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Tenantry process's configuration as production sets it, silent, on a benchmark's own
 * database and queue prefix and the machine's Redis (the shared token cache encrypted with a
 * fresh key); `extra` adds or overrides variables.
 */
export function benchConfig(
  services: { readonly databaseUrl: string; readonly queuePrefix: string },
  extra: Record<string, string> = {},
): AppConfig {
  return loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: services.databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: services.queuePrefix,
    TOKEN_CACHE_KEY: randomBytes(32).toString('base64'),
    ...extra,
  });
}

/** A fresh database and a Redis key prefix for one run; `dropBenchServices` removes both. */
export async function createBenchServices(): Promise<{
  databaseName: string;
  databaseUrl: string;
  queuePrefix: string;
}> {
  const suffix = randomBytes(4).toString('hex');
  const databaseName = `tenantry_bench_${suffix}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE "${databaseName}"`));
  const databaseUrl = new URL(ADMIN_URL);
  databaseUrl.pathname = `/${databaseName}`;
  return { databaseName, databaseUrl: databaseUrl.toString(), queuePrefix: `tbench_${suffix}` };
}

/** One cleanup step: bounded in time, and a failure is reported, not thrown. */
export function cleanupStep(log: (line: string) => void) {
  return async (what: string, run: () => Promise<unknown>): Promise<void> => {
    try {
      await withTimeout(what, 15_000, run());
    } catch (error) {
      log(`cleanup: ${what} failed: ${String(error)}`);
    }
  };
}

/** Destructive, so it refuses any database a benchmark did not name. */
export async function dropBenchDatabase(databaseName: string): Promise<void> {
  if (!BENCH_DATABASE.test(databaseName)) throw new Error(`Refusing to drop ${databaseName}: not a benchmark database`);
  await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`));
}

export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function withAdmin(run: (admin: Client) => Promise<unknown>): Promise<void> {
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await run(admin);
  } finally {
    await admin.end();
  }
}
