import type { SimEndpoint } from '../faults/fault-injector';

export type RequestCounterSnapshot = Record<string, Partial<Record<SimEndpoint, number>>>;

/**
 * Requests per tenant and endpoint (benchmarks count token requests here). The tenant key is
 * the tenant GUID once resolved, else the tenant segment as sent, else `-`.
 */
export class RequestCounters {
  private counts = new Map<string, Map<SimEndpoint, number>>();

  increment(tenant: string, endpoint: SimEndpoint): void {
    let perTenant = this.counts.get(tenant);
    if (!perTenant) {
      perTenant = new Map();
      this.counts.set(tenant, perTenant);
    }
    perTenant.set(endpoint, (perTenant.get(endpoint) ?? 0) + 1);
  }

  get(tenant: string, endpoint: SimEndpoint): number {
    return this.counts.get(tenant.toLowerCase())?.get(endpoint) ?? 0;
  }

  /** Sum over all tenants for one endpoint. */
  total(endpoint: SimEndpoint): number {
    let sum = 0;
    for (const perTenant of this.counts.values()) sum += perTenant.get(endpoint) ?? 0;
    return sum;
  }

  snapshot(): RequestCounterSnapshot {
    const result: RequestCounterSnapshot = {};
    for (const [tenant, perTenant] of this.counts) result[tenant] = Object.fromEntries(perTenant);
    return result;
  }

  reset(): void {
    this.counts = new Map();
  }
}
