import { INestApplicationContext, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes, randomUUID } from 'node:crypto';
import { type AzureCredential, type IdentityPlatform, loadConfig } from '@tenantry/config';
import {
  identityPlatformOfSimulator,
  startEntraSim,
  type EntraSimOptions,
  type RunningEntraSim,
} from '@tenantry/entra-sim';
import { IdentityModule, TokenService } from '@tenantry/identity';
import { RuntimeModule } from '@tenantry/runtime';
import { TenantRegistry, TenantsModule } from '@tenantry/tenants';
import { createTestDatabase, TestDatabase, uniqueQueuePrefix } from './test-database';

export interface IdentityTestbedOptions {
  readonly queue?: 'redis' | 'postgres';
  readonly sim?: EntraSimOptions;
  /** The app's credential; the demo app's secret by default. */
  readonly credential?: (sim: RunningEntraSim) => Promise<AzureCredential> | AzureCredential;
  readonly secondaryCredential?: AzureCredential;
  /** Receives every log line of the platform's processes (default: none are kept). */
  readonly logger?: LoggerService;
}

export interface TokenProcess {
  readonly app: INestApplicationContext;
  readonly tokens: TokenService;
  readonly registry: TenantRegistry;
  close(): Promise<void>;
}

export interface IdentityTestbed extends TokenProcess {
  readonly sim: RunningEntraSim;
  readonly identity: IdentityPlatform;
  readonly database: TestDatabase;
  /** Another Tenantry process on the same database, Redis and simulator. */
  startProcess(): Promise<TokenProcess>;
  /** Registers the tenant and makes it active, as a verified onboarding would. */
  activate(tenantId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The token service as production runs it — real PostgreSQL, real Redis (or BullMQ's PostgreSQL
 * backend), msal-node — against an in-process simulator of the identity platform.
 */
export async function startIdentityTestbed(options: IdentityTestbedOptions = {}): Promise<IdentityTestbed> {
  const sim = await startEntraSim({ seed: 'demo', ...options.sim });
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
    QUEUE_PREFIX: uniqueQueuePrefix(),
    TOKEN_CACHE_KEY: randomBytes(32).toString('base64'),
    ...(options.queue === 'postgres' ? {} : { REDIS_URL: process.env.TEST_REDIS_URL as string }),
  });
  const identity = {
    ...identityPlatformOfSimulator(sim, options.credential ? await options.credential(sim) : undefined),
    secondaryCredential: options.secondaryCredential,
  };

  const startProcess = async (): Promise<TokenProcess> => {
    @Module({ imports: [RuntimeModule.forRoot(config, identity), TenantsModule, IdentityModule] })
    class TokenProcessModule {}
    const app = await NestFactory.createApplicationContext(TokenProcessModule, {
      logger: options.logger ?? false,
      abortOnError: false,
    });
    return { app, tokens: app.get(TokenService), registry: app.get(TenantRegistry), close: () => app.close() };
  };

  let first: TokenProcess;
  try {
    first = await startProcess();
  } catch (error) {
    await Promise.all([database.drop(), sim.stop()]);
    throw error;
  }
  const others: TokenProcess[] = [];
  return {
    ...first,
    sim,
    identity,
    database,
    startProcess: async () => {
      const process = await startProcess();
      others.push(process);
      return process;
    },
    activate: async (tenantId) => {
      await first.registry.recordConsent({ tenantId, consentedAt: new Date() }, 'test');
      await first.registry.transition(tenantId, 'active', { reason: 'consent_verified', actor: 'test' });
    },
    close: async () => {
      await Promise.all(others.map((other) => other.close()));
      await first.close();
      await database.drop();
      await sim.stop();
    },
  };
}

/** The claims of a JWT, unverified (tests check which tenant a token was issued for). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

export const unknownTenantId = (): string => randomUUID();

/** A Nest logger that keeps every line, at every level, with its arguments serialised. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  log(...parts: unknown[]): void {
    this.keep('log', parts);
  }
  error(...parts: unknown[]): void {
    this.keep('error', parts);
  }
  warn(...parts: unknown[]): void {
    this.keep('warn', parts);
  }
  debug(...parts: unknown[]): void {
    this.keep('debug', parts);
  }
  verbose(...parts: unknown[]): void {
    this.keep('verbose', parts);
  }
  fatal(...parts: unknown[]): void {
    this.keep('fatal', parts);
  }

  text(): string {
    return this.lines.join('\n');
  }

  private keep(level: string, parts: unknown[]): void {
    this.lines.push(
      `${level} ${parts.map((part) => (part instanceof Error ? `${part.message} ${part.stack}` : JSON.stringify(part))).join(' ')}`,
    );
  }
}
