import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { type AuthError, ServerError } from '@azure/msal-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { type IdentityPlatform, InjectIdentityPlatform } from '@tenantry/config';
import { assertTenantId, TenantLifecycleEvents, TenantRegistry } from '@tenantry/tenants';
import { ApplicationCredentialHealth } from './application-credential-health';
import { BoundedTokenCache } from './bounded-token-cache';
import { classifyIdentityError, IdentityFailure } from './identity-error-classifier';
import { IdentityHttpClient } from './identity-http-client';
import {
  ApplicationCredentialError,
  IdentityThrottledError,
  IdentityUnavailableError,
  TenantAccessError,
  TenantNotServedError,
} from './identity.errors';
import { MSAL_CLIENT_POOL } from './identity.tokens';
import type { MsalClientPool } from './msal-client-pool';
import { SHARED_TOKEN_STORE, type SharedTokenEntry, type SharedTokenStore } from './shared-cache/shared-token-store';
import { refreshTimeOf, servableUntil } from './token-lifetime';
import { TokenHealthRecorder } from './token-health.recorder';

/** Shared between the callers of one cached token: read it, never mutate it. */
export interface AccessToken {
  readonly accessToken: string;
  readonly expiresOn: Date;
}

export interface GetTokenOptions {
  /** Skip every cache and ask the identity platform (after re-consent, for verification). */
  readonly forceRefresh?: boolean;
  /**
   * Move an active tenant to `needs_attention` when the platform refuses it (default true).
   * Verification turns this off: consent can take minutes to propagate.
   */
  readonly flagTenant?: boolean;
}

interface CachedToken extends SharedTokenEntry {
  readonly tenantId: string;
  readonly servableUntil: number;
  /** What callers get, built once per token rather than once per hit. */
  readonly view: AccessToken;
}

// Long enough for a whole acquisition (three attempts of at most 10 s each, with backoff) so a
// live holder never loses its lock; short enough that a crashed one blocks nobody for long.
const LOCK_TTL_MS = 40_000;
const LOCK_WAIT_EXTRA_MS = 5_000;
const LOCK_POLL_MS = 20;
const LOCK_POLL_MAX_MS = 250;
const SHUTDOWN_WAIT_MS = 5_000;
const TRANSIENT_ATTEMPTS = 3;
const DEFAULT_THROTTLE_MS = 60_000;
/** The holder value when the shared store could not be asked for a lock: go ahead without one. */
const UNLOCKED = '';

/**
 * App-only tokens per tenant, with as few requests to the identity platform as possible and no
 * caller waiting for the network at steady state:
 * - level 1: a bounded in-process LRU keyed by tenant — a hit is one map lookup;
 * - level 2: the shared store (Redis or PostgreSQL), encrypted, for every process of the fleet;
 * - single flight: one acquisition per tenant in this process, and a short lock in the shared
 *   store across processes; the others wait for its result;
 * - refresh ahead: a hit past the refresh time starts a background refresh and returns the still
 *   valid token at once; if the refresh fails the token is served until it expires.
 */
@Injectable()
export class TokenService implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(TokenService.name);
  private readonly cache = new BoundedTokenCache<CachedToken>(100_000);
  private readonly inflight = new Map<string, Promise<CachedToken>>();
  /** Bumped by every eviction: a flight that started before it must not put its token back. */
  private readonly generations = new Map<string, number>();
  /** Per tenant: no request before this time (the identity platform's Retry-After). */
  private readonly throttledUntil = new Map<string, number>();
  /** Per tenant: after failed background refreshes, not before this time again. */
  private readonly refreshBackoff = new Map<string, { failures: number; until: number }>();
  private readonly scope: string;
  private closed = false;
  /** Plain counters on the hit path (a labelled prom-client increment costs more than the hit). */
  readonly lookups = { hit: 0, miss: 0 };

  constructor(
    @InjectIdentityPlatform() private readonly platform: IdentityPlatform,
    @Inject(MSAL_CLIENT_POOL) private readonly clients: MsalClientPool,
    @Inject(SHARED_TOKEN_STORE) private readonly shared: SharedTokenStore,
    private readonly registry: TenantRegistry,
    private readonly lifecycle: TenantLifecycleEvents,
    private readonly health: TokenHealthRecorder,
    private readonly application: ApplicationCredentialHealth,
  ) {
    this.scope = `${platform.resource}/.default`;
  }

  onModuleInit(): void {
    // Consent gone or tenant offboarded: its tokens must stop being served, here and fleet-wide.
    this.lifecycle.subscribe(async ({ tenantId, to }) => {
      if (to === 'offboarded' || to === 'needs_attention' || to === 'pending') await this.evict(tenantId);
    });
  }

  async getToken(tenantId: string, options: GetTokenOptions = {}): Promise<AccessToken> {
    if (!options.forceRefresh) {
      // Keys are normalised tenant GUIDs, so anything else simply misses and is checked below.
      const cached =
        this.cache.get(tenantId) ?? (typeof tenantId === 'string' ? this.cache.get(tenantId.toLowerCase()) : undefined);
      const now = Date.now();
      if (cached && now < cached.servableUntil) {
        this.lookups.hit += 1;
        if (now >= cached.refreshOn) this.refreshInBackground(cached, now);
        return cached.view;
      }
    }
    const id = assertTenantId(tenantId);
    this.lookups.miss += 1;
    return (await this.singleFlight(id, options, () => this.obtain(id, options))).view;
  }

  /** Forgets every cached token of the tenant, in this process and the shared store. */
  async evict(tenantId: string): Promise<void> {
    const id = assertTenantId(tenantId);
    this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
    this.cache.delete(id);
    this.refreshBackoff.delete(id);
    this.clients.discard(id);
    await this.shared.delete(this.sharedKey(id)).catch((error: unknown) => this.degraded('evict', error));
  }

  /** Lets acquisitions in progress finish (briefly) before the stores they write to close. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    await Promise.race([Promise.allSettled([...this.inflight.values()]), sleep(SHUTDOWN_WAIT_MS)]);
  }

  onApplicationShutdown(): void {
    this.clients.close();
  }

  private singleFlight(id: string, options: GetTokenOptions, run: () => Promise<CachedToken>): Promise<CachedToken> {
    // A forced or non-flagging call must not be answered by an ordinary flight, nor join it.
    const key = `${id}|${options.forceRefresh ? 'fresh' : 'any'}|${options.flagTenant === false ? 'quiet' : 'flag'}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = run().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private refreshInBackground(cached: CachedToken, now: number): void {
    const id = cached.tenantId;
    if (this.closed || (this.refreshBackoff.get(id)?.until ?? 0) > now || (this.throttledUntil.get(id) ?? 0) > now) {
      return;
    }
    const options = { forceRefresh: true };
    if (this.inflight.has(`${id}|fresh|flag`)) return;
    this.singleFlight(id, options, () => this.obtain(id, { ...options, newerThan: cached.expiresOn })).then(
      () => this.refreshBackoff.delete(id),
      (error: unknown) => {
        if (error instanceof TenantAccessError || error instanceof TenantNotServedError) {
          this.cache.delete(id);
        } else {
          // Keep serving the valid token; try again later, backing off.
          const failures = (this.refreshBackoff.get(id)?.failures ?? 0) + 1;
          const backoff = Math.min(60_000, 1000 * 2 ** failures) * (0.75 + Math.random() * 0.5);
          this.refreshBackoff.set(id, { failures, until: Date.now() + backoff });
        }
        this.logger.warn({ tenantId: id, code: codeOf(error) }, 'Background token refresh failed');
      },
    );
  }

  /**
   * From the shared store if another process has a usable token, else from the identity
   * platform under the fleet-wide lock. A forced call only accepts a token newer than any it
   * could have seen when it started.
   */
  private async obtain(id: string, options: GetTokenOptions & { newerThan?: number }): Promise<CachedToken> {
    const generation = this.generations.get(id) ?? 0;
    const throttled = (this.throttledUntil.get(id) ?? 0) - Date.now();
    if (throttled > 0) throw new IdentityThrottledError(id, throttled);

    const tenant = await this.registry.get(id);
    if (tenant.status === 'offboarded') {
      this.cache.delete(id);
      throw new TenantNotServedError(id, tenant.status);
    }

    const key = this.sharedKey(id);
    const before = await this.sharedGet(key);
    const newerThan = options.forceRefresh
      ? Math.max(options.newerThan ?? 0, this.cache.get(id)?.expiresOn ?? 0, before?.expiresOn ?? 0)
      : undefined;
    const wanted = (entry: SharedTokenEntry | undefined): entry is SharedTokenEntry =>
      entry !== undefined &&
      Date.now() < servableUntil(entry) &&
      (newerThan === undefined || entry.expiresOn > newerThan);
    if (wanted(before)) return this.remember(id, before, generation);

    const deadline = Date.now() + LOCK_TTL_MS + LOCK_WAIT_EXTRA_MS;
    for (let poll = LOCK_POLL_MS; ; poll = Math.min(LOCK_POLL_MAX_MS, poll * 1.5)) {
      const holder = await this.sharedTryLock(key);
      if (holder !== undefined) {
        try {
          // Someone may have finished between our read and our lock.
          const justStored = await this.sharedGet(key);
          if (wanted(justStored)) return this.remember(id, justStored, generation);
          // Only a live tenant is flagged; a pending one is verification's business (consent can
          // take minutes to propagate).
          const flag = (options.flagTenant ?? true) && tenant.status === 'active';
          const fresh = await this.acquire(id, flag, tenant.version);
          await this.shared.set(key, fresh).catch((error: unknown) => this.degraded('store', error));
          return this.remember(id, fresh, generation);
        } finally {
          if (holder !== UNLOCKED) await this.shared.unlock(key, holder).catch(() => undefined);
        }
      }
      // Another process is acquiring this tenant's token: wait for its result.
      await sleep(poll * (0.5 + Math.random()));
      const stored = await this.sharedGet(key);
      if (wanted(stored)) return this.remember(id, stored, generation);
      if (Date.now() > deadline || this.closed) {
        throw new IdentityUnavailableError(id, 'timed out waiting for another process');
      }
    }
  }

  // The shared store is an optimisation: when it is down, tokens come from the identity platform
  // directly (single flight still holds within the process).
  private async sharedGet(key: string): Promise<SharedTokenEntry | undefined> {
    try {
      return await this.shared.get(key);
    } catch (error) {
      this.degraded('read', error);
      return undefined;
    }
  }

  private async sharedTryLock(key: string): Promise<string | undefined> {
    try {
      return await this.shared.tryLock(key, LOCK_TTL_MS);
    } catch (error) {
      this.degraded('lock', error);
      return UNLOCKED;
    }
  }

  private degraded(operation: string, error: unknown): void {
    this.logger.warn(
      { operation, err: error instanceof Error ? error.message : String(error) },
      'Shared token cache unavailable',
    );
  }

  /** Caches the entry unless the tenant was evicted since the flight started. */
  private remember(id: string, entry: SharedTokenEntry, generation: number): CachedToken {
    const view = Object.freeze({ accessToken: entry.accessToken, expiresOn: new Date(entry.expiresOn) });
    const cached: CachedToken = { ...entry, tenantId: id, servableUntil: servableUntil(entry), view };
    if ((this.generations.get(id) ?? 0) === generation) this.cache.set(id, cached);
    return cached;
  }

  /** One token request to the identity platform, retried (only) while failures are transient. */
  private async acquire(id: string, flagTenant: boolean, tenantVersion: number): Promise<SharedTokenEntry> {
    for (let attempt = 1; ; attempt += 1) {
      const started = Date.now();
      const credential = this.clients.activeCredential;
      const { exchange, result } = IdentityHttpClient.record(() =>
        this.clients.clientFor(id).acquireTokenByClientCredential({ scopes: [this.scope], skipCache: true }),
      );
      try {
        const response = await result;
        if (!response?.expiresOn) throw new Error('the token response carried no expiry');
        const now = Date.now();
        const expiresOn = response.expiresOn.getTime();
        const entry = {
          accessToken: response.accessToken,
          expiresOn,
          refreshOn: refreshTimeOf(now, expiresOn, response.refreshOn?.getTime()),
        };
        this.throttledUntil.delete(id);
        this.application.recordSuccess();
        await this.health.recordSuccess(id, new Date(expiresOn), now - started);
        return entry;
      } catch (error) {
        const failure = classifyIdentityError({
          errorNo: (error as { errorNo?: string }).errorNo,
          errorCode: (error as AuthError).errorCode,
          status: exchange.status ?? (error as { status?: number }).status,
          retryAfterMs: exchange.retryAfterMs,
          refusedLocally: exchange.networkRequests === 0 && error instanceof ServerError,
        });
        // msal refuses identical requests locally after a 429 or 5xx; the next attempt needs a
        // fresh client.
        if (failure.scope === 'throttled' || failure.scope === 'transient') this.clients.discard(id);
        await this.health.recordFailure(id, codeOfFailure(failure));
        if (failure.scope === 'application' && failure.credentialRejected && !this.closed) {
          // Another flight may already have moved to the secondary credential; else move now.
          if (this.clients.activeCredential !== credential) continue;
          if (this.clients.failOver()) {
            this.application.recordFailover(failure.code, failure.aadsts);
            continue;
          }
        }
        if (failure.scope === 'transient' && attempt < TRANSIENT_ATTEMPTS && !this.closed) {
          await sleep(250 * 2 ** (attempt - 1) * (0.5 + Math.random()));
          continue;
        }
        throw await this.toDomainError(id, failure, flagTenant, tenantVersion);
      }
    }
  }

  private async toDomainError(
    id: string,
    failure: IdentityFailure,
    flagTenant: boolean,
    tenantVersion: number,
  ): Promise<Error> {
    switch (failure.scope) {
      case 'tenant':
        // Its cached tokens are no good to anyone now; the next request will be a real one.
        this.cache.delete(id);
        await this.shared.delete(this.sharedKey(id)).catch(() => undefined);
        if (flagTenant) await this.flag(id, failure.code, failure.aadsts, tenantVersion);
        return new TenantAccessError(id, failure.code, failure.aadsts);
      case 'application':
        this.application.recordFailure(failure.code, failure.aadsts);
        return new ApplicationCredentialError(failure.code, failure.aadsts);
      case 'throttled': {
        const retryAfterMs = failure.retryAfterMs ?? DEFAULT_THROTTLE_MS;
        this.throttledUntil.set(id, Date.now() + retryAfterMs);
        return new IdentityThrottledError(id, retryAfterMs);
      }
      case 'transient':
        return new IdentityUnavailableError(id, failure.code);
    }
  }

  /**
   * Consent gone, tenant deleted, policy: the tenant needs an operator — if it is still the
   * active tenant this request was made for (not one an operator changed meanwhile).
   */
  private async flag(id: string, code: string, aadsts: number | undefined, tenantVersion: number): Promise<void> {
    try {
      await this.registry.transition(id, 'needs_attention', {
        reason: 'identity_platform_refused',
        attentionReason: code,
        actor: 'system:identity',
        expectedVersion: tenantVersion,
        details: { aadsts },
      });
      this.logger.warn({ tenantId: id, code, aadsts }, 'Tenant needs attention: the identity platform refused it');
    } catch (error) {
      // Not active (pending tenants are verification's business), flagged by another process
      // first, or changed by an operator meanwhile: either way it is handled.
      this.logger.debug({ tenantId: id, code: codeOf(error) }, 'Tenant not flagged');
    }
  }

  private sharedKey(id: string): string {
    return `${this.platform.clientId}:${this.platform.resource}:${id}`;
  }
}

function codeOfFailure(failure: IdentityFailure): string {
  return failure.scope === 'throttled' ? 'throttled' : failure.code;
}

function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unexpected';
}
