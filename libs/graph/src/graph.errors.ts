import { DomainError } from '@tenantry/errors';

/**
 * Graph throttled this tenant (429, or 503/504 with `Retry-After`) beyond what is worth waiting
 * for in place. The job runtime sends the run back to the queue without using an attempt and
 * makes only this tenant's jobs wait `retryAfterMs`: Graph throttles per app per tenant.
 */
export class GraphThrottledError extends DomainError {
  readonly code = 'graph_throttled';
  readonly kind = 'unavailable';

  constructor(
    readonly tenantId: string,
    readonly retryAfterMs: number,
    readonly status: number,
  ) {
    super(`Microsoft Graph throttled tenant ${tenantId} (HTTP ${status}); retry in ${retryAfterMs} ms.`, {
      tenantId,
      retryAfterMs,
      status,
    });
  }
}

/**
 * A delta or paging link Graph no longer knows (410 Gone, `syncStateNotFound`, `resyncRequired`):
 * the caller must start over without it.
 */
export class GraphSyncStateLostError extends DomainError {
  readonly code = 'graph_sync_state_lost';
  readonly kind = 'gone';

  constructor(
    readonly tenantId: string,
    readonly graphCode: string | null,
  ) {
    super(`Microsoft Graph no longer knows the sync state of tenant ${tenantId} (${graphCode ?? 'HTTP 410'}).`, {
      tenantId,
      graphCode,
    });
  }
}

/**
 * Any other failed Graph request, with Graph's own error code. Never carries the request's
 * headers or the token; the URL is left out too, since paging links embed opaque state.
 */
export class GraphRequestError extends DomainError {
  /** `graph_forbidden`, `graph_not_found`, ...: stable, and what a failed run's error code shows. */
  readonly code: string;
  readonly kind = 'unavailable';

  constructor(
    readonly tenantId: string,
    /** The HTTP status, or 0 when no response came back (network error, timeout). */
    readonly status: number,
    readonly graphCode: string | null,
    message: string,
    code?: string,
  ) {
    super(
      `Microsoft Graph request for tenant ${tenantId} failed (${status || 'no response'}${graphCode ? `, ${graphCode}` : ''}): ${message}`,
      {
        tenantId,
        status,
        graphCode,
      },
    );
    this.code =
      code ??
      `graph_${GRAPH_STATUS_CODES[status] ?? (status >= 500 ? 'server_error' : status ? 'request_failed' : 'unreachable')}`;
  }
}

const GRAPH_STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  412: 'precondition_failed',
};
