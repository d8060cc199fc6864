import { Injectable, Logger } from '@nestjs/common';
import type { TenantStatus } from './tenant-status';

export interface TenantStatusChanged {
  readonly tenantId: string;
  readonly from: TenantStatus | null;
  readonly to: TenantStatus;
  readonly reason: string;
}

type Listener = (change: TenantStatusChanged) => void | Promise<void>;

/**
 * Lifecycle changes, announced after they are committed, for the libs above the registry (token
 * cache eviction, holding jobs) — they subscribe here; the registry never imports them.
 */
@Injectable()
export class TenantLifecycleEvents {
  private readonly logger = new Logger(TenantLifecycleEvents.name);
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async publish(change: TenantStatusChanged): Promise<void> {
    for (const listener of this.listeners) {
      try {
        await listener(change);
      } catch (error) {
        // A listener's failure must not undo or fail a change that is already committed.
        this.logger.error({ tenantId: change.tenantId, err: error }, 'A tenant lifecycle listener failed');
      }
    }
  }
}
