import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { TenantLifecycleEvents } from '@tenantry/tenants';
import { DirectoryStore } from './directory-store';

// Catches up on purges the lifecycle event missed; deleting is idempotent, so every process may.
const SWEEP_EVERY_MS = 3600_000;

/**
 * An offboarded tenant's directory snapshot is purged: the ISV keeps no customer data it no
 * longer serves. The offboarding's event purges at once; a sweep at start and every hour purges
 * what an event missed (the process stopped, or the database was away, right after offboarding).
 */
@Injectable()
export class DirectoryPurgeListener implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DirectoryPurgeListener.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly events: TenantLifecycleEvents,
    private readonly store: DirectoryStore,
  ) {}

  onModuleInit(): void {
    this.events.subscribe(async ({ tenantId, to }) => {
      if (to !== 'offboarded') return;
      const purged = await this.store.purge(tenantId);
      this.logger.log({ tenantId, purged }, 'Purged the directory snapshot of an offboarded tenant');
    });
  }

  onApplicationBootstrap(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Purges the directories of offboarded tenants still holding one; returns how many tenants. */
  async sweep(): Promise<number> {
    try {
      const tenants = await this.store.offboardedWithDirectory();
      for (const tenantId of tenants) {
        const purged = await this.store.purge(tenantId);
        this.logger.warn({ tenantId, purged }, 'Purged the directory snapshot its offboarding left behind');
      }
      return tenants.length;
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not sweep offboarded directories; trying again later');
      return 0;
    }
  }
}
