export interface GraphThrottleLimit {
  /** Requests allowed per app per tenant in one window. */
  limit: number;
  windowSeconds: number;
}

/**
 * Graph's throttling is per app per tenant: a fixed window of `limit` requests, then 429 with
 * Retry-After until the window ends. Off unless a default or per-tenant limit is set.
 */
export class GraphThrottle {
  private readonly perTenant = new Map<string, GraphThrottleLimit | null>();
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private defaultLimit: GraphThrottleLimit | null = null) {}

  setDefault(limit: GraphThrottleLimit | null): void {
    this.defaultLimit = limit;
    this.windows.clear();
  }

  /** `null` switches throttling off for the tenant; `undefined` returns it to the default. */
  setForTenant(tenantId: string, limit: GraphThrottleLimit | null | undefined): void {
    if (limit === undefined) this.perTenant.delete(tenantId);
    else this.perTenant.set(tenantId, limit);
    this.windows.clear();
  }

  /** Seconds to wait when the request is over the limit, else 0. */
  check(appId: string, tenantId: string): number {
    const limit = this.perTenant.has(tenantId) ? this.perTenant.get(tenantId) : this.defaultLimit;
    if (!limit) return 0;
    const key = `${appId}|${tenantId}`;
    const now = Date.now();
    const windowMs = limit.windowSeconds * 1000;
    let window = this.windows.get(key);
    if (!window || now - window.start >= windowMs) {
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count++;
    if (window.count <= limit.limit) return 0;
    return Math.max(1, Math.ceil((window.start + windowMs - now) / 1000));
  }

  reset(): void {
    this.windows.clear();
    this.perTenant.clear();
  }
}
