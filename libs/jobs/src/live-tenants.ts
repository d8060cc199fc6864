import { Injectable, OnModuleInit } from '@nestjs/common';
import { TenantLifecycleEvents, TenantRegistry, TenantStatus } from '@tenantry/tenants';

const FRESH_MS = 1000;

/**
 * Whether a tenant is active, as a worker asks before each job: a run dispatched just before its
 * tenant was paused must not start. Read through a one-second cache per tenant, which this
 * process's own lifecycle changes update at once (other processes' within the second).
 */
@Injectable()
export class LiveTenants implements OnModuleInit {
  private readonly known = new Map<string, { status: TenantStatus; at: number }>();

  constructor(
    private readonly registry: TenantRegistry,
    private readonly events: TenantLifecycleEvents,
  ) {}

  onModuleInit(): void {
    this.events.subscribe(({ tenantId, to }) => {
      this.known.set(tenantId, { status: to, at: Date.now() });
    });
  }

  /**
   * Tenants a dispatch round just read as active, at `asOf` or later: the jobs it dispatched
   * start without asking again. A newer status (a pause announced since) is kept.
   */
  seenActive(tenantIds: Iterable<string>, asOf: number): void {
    for (const tenantId of tenantIds) {
      const cached = this.known.get(tenantId);
      if (!cached || cached.at < asOf) this.known.set(tenantId, { status: 'active', at: asOf });
    }
  }

  async isActive(tenantId: string): Promise<boolean> {
    const cached = this.known.get(tenantId);
    if (cached && Date.now() - cached.at < FRESH_MS) return cached.status === 'active';
    const { status } = await this.registry.get(tenantId);
    this.known.set(tenantId, { status, at: Date.now() });
    // Bounded: tenants not asked about for a while are forgotten.
    if (this.known.size > 50_000) this.known.clear();
    return status === 'active';
  }
}
