import { z } from 'zod';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const url = (protocols: readonly string[], what: string) =>
  z
    .string()
    .trim()
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `expected ${what}`);

const optionalUrl = (protocols: readonly string[], what: string) =>
  z.preprocess((value) => (value === '' ? undefined : value), url(protocols, what).optional());

const integer = (min: number, max: number, fallback: number) =>
  z.preprocess(
    (value) => (value === undefined || value === '' ? String(fallback) : value),
    z
      .string()
      .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
      .transform(Number)
      .refine((n) => n >= min && n <= max, `expected a whole number from ${min} to ${max}`),
  );

const boolean = (fallback: boolean) =>
  z.preprocess(
    (value) => (value === undefined || value === '' ? String(fallback) : value),
    z
      .enum(['true', 'false', '1', '0'], { error: 'expected true or false' })
      .transform((v) => v === 'true' || v === '1'),
  );

/**
 * The environment contract of DESIGN.md. Every variable is a string in the environment; the
 * schema turns each into its typed value or one clear message naming what was expected.
 */
export const environmentSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PORT: integer(0, 65535, 3000),
    PUBLIC_BASE_URL: optionalUrl(['http:', 'https:'], 'an http(s) URL such as https://tenantry.example.com'),
    BODY_LIMIT_BYTES: integer(1024, 10 * 1024 * 1024, 64 * 1024),
    CORS_ORIGINS: optionalString,
    AUTH_MAX_FAILURES_PER_MINUTE: integer(1, 10_000, 10),
    TRUST_PROXY: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z
        .string()
        .trim()
        .regex(
          /^(loopback|linklocal|uniquelocal|\d{1,2}|[0-9a-f.:/]+(\s*,\s*[0-9a-f.:/]+)*)$/i,
          'expected loopback, linklocal, uniquelocal, a hop count, or comma-separated addresses/CIDRs',
        )
        .optional(),
    ),
    DATABASE_URL: optionalUrl(['postgres:', 'postgresql:'], 'a postgres:// URL, e.g. postgres://user@host:5432/db'),
    TENANTRY_DATA_DIR: z.string().trim().min(1).default('./.tenantry'),
    DATABASE_MIGRATE_ON_START: boolean(true),
    REDIS_URL: optionalUrl(['redis:', 'rediss:'], 'a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379'),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, 'expected lower-case letters, digits and _ (a PostgreSQL schema name)')
      .default('tenantry'),
    WORKER_QUEUES: optionalString,
    WORKER_CONCURRENCY: integer(1, 1000, 16),
    JOBS_GLOBAL_CONCURRENCY: integer(1, 100_000, 512),
    JOBS_TENANT_CONCURRENCY: integer(1, 10_000, 4),
    JOBS_TENANT_MAX_QUEUED: integer(1, 10_000_000, 10_000),
    JOBS_TIER_WEIGHTS: z
      .string()
      .trim()
      .regex(
        /^([a-z][a-z0-9_-]*=\d{1,4})(\s*,\s*[a-z][a-z0-9_-]*=\d{1,4})*$/,
        // One line for one mistake: the weights are not checked once the pairs are wrong.
        { message: 'expected tier=weight pairs, e.g. standard=1,premium=4', abort: true },
      )
      .refine((value) => value.split(',').every((pair) => Number(pair.split('=')[1]) > 0), 'expected weights above 0')
      .default('standard=1'),
    JOBS_LEASE_MS: integer(5_000, 3_600_000, 60_000),
    JOBS_POLL_INTERVAL_MS: integer(10, 60_000, 250),
    JOBS_CREDENTIAL_HOLD_MS: integer(1_000, 3_600_000, 60_000),
    JOBS_RUN_RETENTION_DAYS: integer(1, 3650, 30),
    AZURE_CLIENT_ID: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z.string().regex(GUID, 'expected the application (client) id, a GUID').optional(),
    ),
    AZURE_CLIENT_SECRET: optionalString,
    AZURE_CLIENT_CERTIFICATE_PATH: optionalString,
    AZURE_FEDERATED_TOKEN_FILE: optionalString,
    AZURE_CLIENT_SECONDARY_SECRET: optionalString,
    AZURE_CLIENT_SECONDARY_CERTIFICATE_PATH: optionalString,
    AZURE_CLIENT_SEND_CERTIFICATE_CHAIN: boolean(false),
    AZURE_AUTHORITY_HOST: optionalUrl(['https:'], 'an https URL such as https://login.microsoftonline.com'),
    GRAPH_BASE_URL: optionalUrl(['https:'], 'an https URL such as https://graph.microsoft.com'),
    TOKEN_CACHE_KEY: z.preprocess(
      (value) => (value === '' ? undefined : value),
      z
        .string()
        .refine((value) => Buffer.from(value, 'base64').length === 32 && /^[A-Za-z0-9+/]+={0,2}$/.test(value), {
          error: 'expected 32 random bytes, base64-encoded (openssl rand -base64 32)',
        })
        .optional(),
    ),
    SHUTDOWN_TIMEOUT_MS: integer(100, 600_000, 10_000),
    ONBOARDING_LINK_TTL_SECONDS: integer(60, 30 * 24 * 3600, 24 * 3600),
    ONBOARDING_VERIFY_ATTEMPTS: integer(1, 30, 10),
    ONBOARDING_VERIFY_FIRST_DELAY_MS: integer(0, 600_000, 2000),
    AZURE_REQUIRED_APP_ROLES: optionalString,
    ONBOARDING_RETURN_URL_ORIGINS: optionalString.refine(
      (value) =>
        value === undefined ||
        value.split(',').every((origin) => {
          try {
            return ['http:', 'https:'].includes(new URL(origin.trim()).protocol);
          } catch {
            return origin.trim() === '';
          }
        }),
      'expected comma-separated http(s) origins, e.g. https://portal.example.com',
    ),
  })
  .superRefine((env, context) => {
    const credentials = (
      ['AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_FEDERATED_TOKEN_FILE'] as const
    ).filter((name) => env[name] !== undefined);
    if (env.AZURE_CLIENT_ID !== undefined && credentials.length !== 1) {
      context.addIssue({
        code: 'custom',
        path: ['AZURE_CLIENT_ID'],
        message:
          credentials.length === 0
            ? 'needs exactly one credential: AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE'
            : `needs exactly one credential, got ${credentials.join(' and ')}`,
      });
    }
    if (env.AZURE_CLIENT_SECONDARY_SECRET !== undefined && env.AZURE_CLIENT_SECONDARY_CERTIFICATE_PATH !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['AZURE_CLIENT_SECONDARY_SECRET'],
        message: 'set at most one secondary credential, not also AZURE_CLIENT_SECONDARY_CERTIFICATE_PATH',
      });
    }
    // Tokens of real tenants are shared between processes (Redis or PostgreSQL): never in clear.
    if (env.AZURE_CLIENT_ID !== undefined && env.TOKEN_CACHE_KEY === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['TOKEN_CACHE_KEY'],
        message: 'is required with AZURE_CLIENT_ID: 32 random bytes, base64 (openssl rand -base64 32)',
      });
    }
    if (env.AZURE_CLIENT_ID === undefined && credentials.length > 0) {
      context.addIssue({
        code: 'custom',
        path: [credentials[0]],
        message: 'is set but AZURE_CLIENT_ID is not; set both, or neither for simulator mode',
      });
    }
  });

export type Environment = z.infer<typeof environmentSchema>;
