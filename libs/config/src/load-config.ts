import { AppConfig, AzureCredential } from './app-config';
import { ConfigValidationError } from './config-validation.error';
import { Environment, environmentSchema } from './config.schema';

const PUBLIC_AUTHORITY_HOST = 'https://login.microsoftonline.com';
const PUBLIC_GRAPH_BASE_URL = 'https://graph.microsoft.com';

/**
 * The only reader of the process environment. Validates every variable at once so an operator
 * sees all the bad ones in one start, each on its own line.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): AppConfig {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? 'environment');
      const value = env[name];
      // Never echo credentials back, even when they are malformed.
      const shown =
        value === undefined || /SECRET|KEY|PASSWORD|TOKEN/.test(name) ? '' : ` (got "${withoutCredentials(value)}")`;
      return `${name}: ${issue.message}${shown}`;
    });
    throw new ConfigValidationError(problems);
  }
  return toAppConfig(parsed.data);
}

/** A URL's user and password are credentials too (postgres://app:S3cret@db/x). */
function withoutCredentials(value: string): string {
  return value.replace(/\/\/[^/@\s]*@/, '//***@');
}

function toAppConfig(env: Environment): AppConfig {
  return {
    nodeEnv: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    http: {
      port: env.PORT,
      publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      corsOrigins: splitList(env.CORS_ORIGINS) ?? [],
      authMaxFailuresPerMinute: env.AUTH_MAX_FAILURES_PER_MINUTE,
      trustProxy: env.TRUST_PROXY,
    },
    database: { url: env.DATABASE_URL, dataDir: env.TENANTRY_DATA_DIR, migrateOnStart: env.DATABASE_MIGRATE_ON_START },
    queue: { redisUrl: env.REDIS_URL, prefix: env.QUEUE_PREFIX, workerQueues: splitList(env.WORKER_QUEUES) },
    jobs: {
      workerConcurrency: env.WORKER_CONCURRENCY,
      globalConcurrency: env.JOBS_GLOBAL_CONCURRENCY,
      tenantConcurrency: env.JOBS_TENANT_CONCURRENCY,
      tenantMaxQueued: env.JOBS_TENANT_MAX_QUEUED,
      tierWeights: Object.fromEntries(
        env.JOBS_TIER_WEIGHTS.split(',').map((pair) => {
          const [tier, weight] = pair.split('=').map((part) => part.trim());
          return [tier, Number(weight)];
        }),
      ),
      leaseMs: env.JOBS_LEASE_MS,
      pollIntervalMs: env.JOBS_POLL_INTERVAL_MS,
      credentialHoldMs: env.JOBS_CREDENTIAL_HOLD_MS,
      runRetentionDays: env.JOBS_RUN_RETENTION_DAYS,
    },
    azure:
      env.AZURE_CLIENT_ID === undefined
        ? { mode: 'simulator', authorityHost: env.AZURE_AUTHORITY_HOST, graphBaseUrl: env.GRAPH_BASE_URL }
        : {
            mode: 'entra',
            clientId: env.AZURE_CLIENT_ID,
            credential: credentialOf(env),
            secondaryCredential:
              env.AZURE_CLIENT_SECONDARY_SECRET !== undefined
                ? { kind: 'secret', secret: env.AZURE_CLIENT_SECONDARY_SECRET }
                : env.AZURE_CLIENT_SECONDARY_CERTIFICATE_PATH !== undefined
                  ? { kind: 'certificate', path: env.AZURE_CLIENT_SECONDARY_CERTIFICATE_PATH }
                  : undefined,
            sendCertificateChain: env.AZURE_CLIENT_SEND_CERTIFICATE_CHAIN,
            requiredAppRoles: splitList(env.AZURE_REQUIRED_APP_ROLES) ?? [],
            authorityHost: (env.AZURE_AUTHORITY_HOST ?? PUBLIC_AUTHORITY_HOST).replace(/\/+$/, ''),
            graphBaseUrl: (env.GRAPH_BASE_URL ?? PUBLIC_GRAPH_BASE_URL).replace(/\/+$/, ''),
          },
    tokenCacheKey: env.TOKEN_CACHE_KEY === undefined ? undefined : Buffer.from(env.TOKEN_CACHE_KEY, 'base64'),
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    onboarding: {
      linkTtlSeconds: env.ONBOARDING_LINK_TTL_SECONDS,
      verifyAttempts: env.ONBOARDING_VERIFY_ATTEMPTS,
      verifyFirstDelayMs: env.ONBOARDING_VERIFY_FIRST_DELAY_MS,
      returnUrlOrigins: (splitList(env.ONBOARDING_RETURN_URL_ORIGINS) ?? []).map((origin) => new URL(origin).origin),
    },
  };
}

function credentialOf(env: Environment): AzureCredential {
  if (env.AZURE_CLIENT_SECRET !== undefined) return { kind: 'secret', secret: env.AZURE_CLIENT_SECRET };
  if (env.AZURE_CLIENT_CERTIFICATE_PATH !== undefined)
    return { kind: 'certificate', path: env.AZURE_CLIENT_CERTIFICATE_PATH };
  // The schema guarantees exactly one credential when a client id is set.
  return { kind: 'federated', tokenFile: env.AZURE_FEDERATED_TOKEN_FILE as string };
}

function splitList(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items === undefined || items.length === 0 ? undefined : items;
}
