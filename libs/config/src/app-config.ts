/** The validated, typed configuration every other module receives by injection. */
export interface AppConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly http: {
    readonly port: number;
    readonly publicBaseUrl: string;
    readonly bodyLimitBytes: number;
    readonly corsOrigins: readonly string[];
    /** Failed API-key checks one client address may make per minute before it must wait. */
    readonly authMaxFailuresPerMinute: number;
    /** Express `trust proxy`: which proxies' X-Forwarded-For names the client (unset: none). */
    readonly trustProxy: string | undefined;
  };
  readonly database: {
    /** Unset: the embedded PostgreSQL (PGlite) under `dataDir`. */
    readonly url: string | undefined;
    readonly dataDir: string;
    readonly migrateOnStart: boolean;
  };
  readonly queue: {
    /** Unset: BullMQ's PostgreSQL backend on the same database. */
    readonly redisUrl: string | undefined;
    /** Redis key prefix, or PostgreSQL schema, namespacing every queue of this deployment. */
    readonly prefix: string;
    /** Queues this worker process serves; undefined means all. */
    readonly workerQueues: readonly string[] | undefined;
  };
  readonly jobs: JobsConfig;
  readonly azure: AzureConfig;
  /** 32-byte key encrypting tokens at rest in the shared cache (M1·3). */
  readonly tokenCacheKey: Buffer | undefined;
  readonly shutdownTimeoutMs: number;
  readonly onboarding: {
    readonly linkTtlSeconds: number;
    /** Origins a link's return URL may point to after consent (empty: none). */
    readonly returnUrlOrigins: readonly string[];
    /**
     * Verification attempts while consent propagates (seconds to ~20 minutes): the delay doubles
     * from the first, so the defaults (10 from 2 s) wait about 34 minutes in all.
     */
    readonly verifyAttempts: number;
    readonly verifyFirstDelayMs: number;
  };
}

/** The job runtime's limits (M1·5); per-tenant overrides live on the tenant. */
export interface JobsConfig {
  /** Jobs one worker process runs at once. */
  readonly workerConcurrency: number;
  /** Jobs dispatched and not yet finished, across every worker process. */
  readonly globalConcurrency: number;
  /** Default jobs in flight per tenant. */
  readonly tenantConcurrency: number;
  /** Default cap on a tenant's queued jobs; enqueueing beyond it is refused. */
  readonly tenantMaxQueued: number;
  /** Fair-share weight per tenant tier; a tier not listed weighs 1. */
  readonly tierWeights: Readonly<Record<string, number>>;
  /** How long a dispatched run is presumed alive without a heartbeat before it is queued again. */
  readonly leaseMs: number;
  /** How often dispatch runs when nothing in this process wakes it (enqueues from another process). */
  readonly pollIntervalMs: number;
  /** How long every job waits after the identity platform rejects the app's own credential. */
  readonly credentialHoldMs: number;
  /** Finished runs (succeeded, failed, cancelled) are deleted from the history after this many days. */
  readonly runRetentionDays: number;
}

export type AzureCredential =
  | { readonly kind: 'secret'; readonly secret: string }
  | { readonly kind: 'certificate'; readonly path: string }
  | { readonly kind: 'federated'; readonly tokenFile: string };

export type AzureConfig =
  | {
      /** No Azure app configured: the embedded entra-sim plays the identity platform. */
      readonly mode: 'simulator';
      readonly authorityHost: string | undefined;
      readonly graphBaseUrl: string | undefined;
    }
  | {
      readonly mode: 'entra';
      readonly clientId: string;
      readonly credential: AzureCredential;
      /** Tried once when the identity platform rejects `credential` itself (rotation without downtime). */
      readonly secondaryCredential: AzureCredential | undefined;
      /** App roles a tenant's admin must grant before the tenant goes live. */
      readonly requiredAppRoles: readonly string[];
      /** Send the certificate chain (`x5c`) with assertions, for subject-name/issuer authentication. */
      readonly sendCertificateChain: boolean;
      readonly authorityHost: string;
      readonly graphBaseUrl: string;
    };
