import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Client, RetryHandler, RetryHandlerOptions, type ShouldRetry } from '@microsoft/microsoft-graph-client';
import { type IdentityPlatform, InjectIdentityPlatform } from '@tenantry/config';
import { parseRetryAfterMs, TokenService } from '@tenantry/identity';
import { GraphHttpTransport } from './graph-http-transport';
import { TenantGraph } from './tenant-graph';

/** Retries in place (429/503/504): up to this many, each waiting at most this long. */
const INLINE_RETRIES = 3;
const INLINE_WAIT_LIMIT_MS = 10_000;
/** First backoff step, in seconds (the SDK's unit), when Graph sends no `Retry-After`. */
const BACKOFF_BASE_SECONDS = 1;

/**
 * Builds per-tenant Graph clients on one Microsoft Graph SDK client (`@microsoft/microsoft-graph-client`,
 * see ADR 0006): its request builder, error parsing and `RetryHandler` (which honours
 * `Retry-After` and otherwise backs off exponentially with jitter), ending in our undici
 * transport. Tokens are added per request by `TenantGraph`, so one SDK client serves every tenant.
 */
@Injectable()
export class GraphClients implements OnApplicationShutdown {
  private readonly transport: GraphHttpTransport;
  private readonly client: Client;
  private readonly origin: string;

  constructor(
    @InjectIdentityPlatform() platform: IdentityPlatform,
    private readonly tokens: TokenService,
  ) {
    const base = new URL(platform.graphBaseUrl);
    const version = base.pathname.replace(/^\/+|\/+$/g, '');
    this.origin = base.origin;
    this.transport = new GraphHttpTransport(platform.extraCaPem);
    this.client = Client.initWithMiddleware({
      baseUrl: base.origin,
      defaultVersion: version,
      middleware: [
        new RetryHandler(new RetryHandlerOptions(BACKOFF_BASE_SECONDS, INLINE_RETRIES, shouldRetryInPlace)),
        this.transport,
      ],
    });
  }

  /** Graph as the app in `tenantId`; `signal` aborts its requests (a job's signal). */
  forTenant(tenantId: string, options: { readonly signal?: AbortSignal } = {}): TenantGraph {
    return new TenantGraph(tenantId, this.client, this.tokens, this.origin, options.signal);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.transport.close();
  }
}

/**
 * Waits in place only while it is short: a long `Retry-After` hands the wait to the job runtime,
 * which frees the worker slot and holds back only this tenant. No retry once the caller aborted.
 */
const shouldRetryInPlace: ShouldRetry = (_delay, _attempt, _request, options, response) => {
  if (options?.signal?.aborted) return false;
  const waitMs = parseRetryAfterMs(response.headers.get('retry-after'));
  return waitMs === undefined || waitMs <= INLINE_WAIT_LIMIT_MS;
};
