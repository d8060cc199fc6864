import { GraphError, type GraphRequest } from '@microsoft/microsoft-graph-client';
import type { Client } from '@microsoft/microsoft-graph-client';
import { parseRetryAfterMs, type TokenService } from '@tenantry/identity';
import { GraphRequestError, GraphSyncStateLostError, GraphThrottledError } from './graph.errors';

/** One page of a collection or of a delta round. */
export interface GraphPage<T> {
  readonly value: T[];
  /** Where the next page is; absent on the last page. */
  readonly nextLink?: string;
  /** On the last page of a delta round: where the next round starts. */
  readonly deltaLink?: string;
}

export interface GraphRequestOptions {
  /** `$select`, for a path (a link Graph returned already carries its query). */
  readonly select?: readonly string[];
  /** `Prefer: odata.maxpagesize` — Graph caps it per resource (200 for users delta). */
  readonly maxPageSize?: number;
}

interface CollectionResponse<T> {
  value?: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

// Throttled without a `Retry-After` even after the in-place retries: let the tenant rest this long.
const DEFAULT_THROTTLE_MS = 30_000;
// A `Retry-After` of 0 (or a date past) would requeue the run at once, attempt-free, for ever.
const MIN_THROTTLE_MS = 1_000;

/**
 * Microsoft Graph for one tenant, as the app (a token from the token service on every request).
 * Built by `GraphClients.forTenant`; cheap, so make one per job run.
 *
 * - Throttling (429, or 503/504 with `Retry-After`) is retried in place while the wait is short,
 *   then surfaces as `GraphThrottledError`: the job runtime makes only this tenant wait.
 * - A 401 is retried once with a freshly acquired token (a token can be refused before its
 *   expiry: a key roll-over, a revoked session); a second 401 stands.
 * - A lost delta or paging state (410) is `GraphSyncStateLostError`; any other failure is
 *   `GraphRequestError` with Graph's code.
 */
export class TenantGraph {
  constructor(
    readonly tenantId: string,
    private readonly client: Client,
    private readonly tokens: TokenService,
    private readonly graphOrigin: string,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /**
   * Whether this client would follow a path or link: a path, or a link on the Graph host it talks
   * to. A link kept from before (a delta link, a page checkpoint) may point elsewhere when the
   * Graph endpoint has changed since.
   */
  follows(pathOrLink: string): boolean {
    return isLink(pathOrLink) ? pathOrLink.startsWith(`${this.graphOrigin}/`) : !pathOrLink.includes('://');
  }

  /** GET a path (`/users/{id}`) or a link Graph returned. */
  async get<T>(pathOrLink: string, options: GraphRequestOptions = {}): Promise<T> {
    return this.send<T>(pathOrLink, options, false);
  }

  /** One page of a collection: a path to start from, or a `nextLink`/`deltaLink`. */
  async page<T>(pathOrLink: string, options: GraphRequestOptions = {}): Promise<GraphPage<T>> {
    const body = await this.get<CollectionResponse<T>>(pathOrLink, options);
    return {
      value: body.value ?? [],
      nextLink: body['@odata.nextLink'],
      deltaLink: body['@odata.deltaLink'],
    };
  }

  /**
   * Every page, following `@odata.nextLink`. The next page is already on its way while the
   * caller handles the current one, so a caller that writes each page to a database pays for
   * the slower of the two, not their sum.
   */
  async *pages<T>(pathOrLink: string, options: GraphRequestOptions = {}): AsyncGenerator<GraphPage<T>> {
    let pending = this.page<T>(pathOrLink, options);
    for (;;) {
      const page = await pending;
      if (page.nextLink) {
        pending = this.page<T>(page.nextLink, { maxPageSize: options.maxPageSize });
        // Seen when awaited; a caller that stops early must not leave an unhandled rejection.
        pending.catch(() => undefined);
      }
      yield page;
      if (!page.nextLink) return;
    }
  }

  private async send<T>(pathOrLink: string, options: GraphRequestOptions, forceRefresh: boolean): Promise<T> {
    // A link carries our bearer token to wherever it points: follow Graph's own links only. The
    // SDK re-targets any path that merely contains a URL, so such a path is refused too.
    if (!this.follows(pathOrLink)) {
      throw new GraphRequestError(
        this.tenantId,
        0,
        null,
        'a link outside the configured Graph host was not followed',
        'graph_foreign_link',
      );
    }
    const token = await this.tokens.getToken(this.tenantId, { forceRefresh });
    let request: GraphRequest = this.client.api(pathOrLink).header('Authorization', `Bearer ${token.accessToken}`);
    if (options.select && !isLink(pathOrLink)) request = request.select([...options.select]);
    if (options.maxPageSize) request = request.header('Prefer', `odata.maxpagesize=${options.maxPageSize}`);
    if (this.signal) request = request.option('signal', this.signal);
    try {
      return (await request.get()) as T;
    } catch (error) {
      if (this.signal?.aborted) throw this.signal.reason;
      if (error instanceof GraphError && error.statusCode === 401 && !forceRefresh) {
        return this.send<T>(pathOrLink, options, true);
      }
      throw this.translate(error);
    }
  }

  private translate(error: unknown): Error {
    if (!(error instanceof GraphError)) return error instanceof Error ? error : new Error(String(error));
    const status = Math.max(0, error.statusCode);
    const retryAfterMs = parseRetryAfterMs(error.headers?.get('retry-after'));
    if (status === 429 || ((status === 503 || status === 504) && retryAfterMs !== undefined)) {
      return new GraphThrottledError(
        this.tenantId,
        Math.max(MIN_THROTTLE_MS, retryAfterMs ?? DEFAULT_THROTTLE_MS),
        status,
      );
    }
    if (status === 410 || error.code === 'syncStateNotFound' || error.code === 'resyncRequired') {
      return new GraphSyncStateLostError(this.tenantId, error.code);
    }
    return new GraphRequestError(this.tenantId, status, status ? error.code : null, error.message);
  }
}

function isLink(pathOrLink: string): boolean {
  return /^https?:\/\//i.test(pathOrLink);
}
