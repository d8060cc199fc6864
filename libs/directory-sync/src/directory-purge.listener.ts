import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { TenantLifecycleEvents } from '@tenantry/tenants';
import { DirectoryStore } from './directory-store';

/** An offboarded tenant's directory snapshot is purged: the ISV keeps no customer data it no longer serves. */
@Injectable()
export class DirectoryPurgeListener implements OnModuleInit {
  private readonly logger = new Logger(DirectoryPurgeListener.name);

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
}
