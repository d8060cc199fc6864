/**
 * Not a benchmark of its own: the second Tenantry process of `bench:tokens` (forked by
 * tokens.bench.ts), and the helpers both processes share. It boots its own Nest application
 * context with its own TokenService on the parent's PostgreSQL, Redis and simulator, waits for the
 * parent's "storm" message, runs the same concurrent callers as the parent at the agreed instant
 * and reports what it got over IPC.
 */
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type IdentityPlatform, loadConfig } from '@tenantry/config';
import { IdentityModule, TokenService } from '@tenantry/identity';
import { RuntimeModule } from '@tenantry/runtime';
import { TenantsModule } from '@tenantry/tenants';

/** Everything a token process needs to join the run (passed to the child as JSON in the env). */
export interface TokenProcessSettings {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly queuePrefix: string;
  readonly tokenCacheKey: string;
  readonly migrate: boolean;
  readonly identity: {
    readonly clientId: string;
    readonly clientSecret: string;
    readonly authorityHost: string;
    readonly graphBaseUrl: string;
    readonly resource: string;
    readonly knownAuthority: string;
    readonly caPem: string;
  };
}

export interface TokenProcess {
  readonly app: INestApplicationContext;
  readonly tokens: TokenService;
  close(): Promise<void>;
}

export const CHILD_SETTINGS_ENV = 'BENCH_TOKENS_CHILD_SETTINGS';

/** One Tenantry process as production boots it: config, PostgreSQL, Redis, tenants, identity. */
export async function startTokenProcess(settings: TokenProcessSettings): Promise<TokenProcess> {
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: settings.databaseUrl,
    DATABASE_MIGRATE_ON_START: String(settings.migrate),
    REDIS_URL: settings.redisUrl,
    QUEUE_PREFIX: settings.queuePrefix,
    TOKEN_CACHE_KEY: settings.tokenCacheKey,
  });
  const identity: IdentityPlatform = {
    clientId: settings.identity.clientId,
    credential: { kind: 'secret', secret: settings.identity.clientSecret },
    authorityHost: settings.identity.authorityHost,
    graphBaseUrl: settings.identity.graphBaseUrl,
    resource: settings.identity.resource,
    knownAuthorities: [settings.identity.knownAuthority],
    extraCaPem: settings.identity.caPem,
    requiredAppRoles: [],
  };
  @Module({ imports: [RuntimeModule.forRoot(config, identity), TenantsModule, IdentityModule] })
  class BenchTokenProcessModule {}
  const app = await NestFactory.createApplicationContext(BenchTokenProcessModule, {
    logger: false,
    abortOnError: false,
  });
  return { app, tokens: app.get(TokenService), close: () => app.close() };
}

export interface StormResult {
  readonly elapsedMs: number;
  readonly calls: number;
  readonly errorCount: number;
  readonly firstErrors: string[];
  /** Distinct access tokens handed out, per tenant. */
  readonly tokens: Record<string, string[]>;
}

/**
 * `callers` concurrent callers, each asking for every one of `tenantIds` at once (each in its own
 * random order): callers × tenants concurrent getToken calls, starting from empty caches.
 */
export async function tokenStorm(tokens: TokenService, tenantIds: string[], callers: number): Promise<StormResult> {
  const orders = Array.from({ length: callers }, () => shuffled(tenantIds));
  const seen = new Map<string, Set<string>>(tenantIds.map((id) => [id, new Set<string>()]));
  const firstErrors: string[] = [];
  let errorCount = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    orders.map((order) =>
      Promise.all(
        order.map(async (id) => {
          try {
            const token = await tokens.getToken(id);
            seen.get(id)?.add(token.accessToken);
          } catch (error) {
            errorCount++;
            if (firstErrors.length < 5) firstErrors.push(error instanceof Error ? error.message : String(error));
          }
        }),
      ),
    ),
  );
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    elapsedMs,
    calls: callers * tenantIds.length,
    errorCount,
    firstErrors,
    tokens: Object.fromEntries([...seen].map(([id, set]) => [id, [...set]])),
  };
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

// ---- the child process -----------------------------------------------------------------------

export type ToChild = { type: 'storm'; tenantIds: string[]; callers: number; startAt: number } | { type: 'stop' };
export type FromChild =
  { type: 'ready' } | { type: 'storm-result'; result: StormResult } | { type: 'failed'; message: string };

async function child(): Promise<void> {
  const raw = process.env[CHILD_SETTINGS_ENV];
  if (!raw) throw new Error(`${CHILD_SETTINGS_ENV} is not set (this script is forked by tokens.bench.js)`);
  const worker = await startTokenProcess(JSON.parse(raw) as TokenProcessSettings);
  const send = (message: FromChild) => process.send?.(message);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await worker.close().catch(() => undefined);
    process.exit(0);
  };
  // The parent went away (crashed or killed): do not linger.
  process.on('disconnect', () => void stop());
  process.on('message', (message: ToChild) => {
    if (message.type === 'stop') {
      void stop();
      return;
    }
    setTimeout(
      () => {
        tokenStorm(worker.tokens, message.tenantIds, message.callers).then(
          (result) => send({ type: 'storm-result', result }),
          (error: unknown) => send({ type: 'failed', message: String(error) }),
        );
      },
      Math.max(0, message.startAt - Date.now()),
    );
  });
  send({ type: 'ready' });
}

if (require.main === module) {
  child().catch((error: unknown) => {
    process.stderr.write(`tokens bench child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.send?.({ type: 'failed', message: String(error) } satisfies FromChild);
    process.exit(1);
  });
}
