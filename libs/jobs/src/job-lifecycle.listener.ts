import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { TenantLifecycleEvents } from '@tenantry/tenants';
import { DispatchSignal } from './dispatch-signal';
import { JobRunStore } from './job-run.store';
import { JobSchedules } from './job-schedules.service';

/**
 * The registry's lifecycle, as the job runtime must follow it: an active tenant gets its default
 * schedules; an offboarded one loses its schedules and queued runs. Paused and needs-attention
 * tenants need nothing here: dispatch only picks active tenants, so their runs wait, queued.
 */
@Injectable()
export class JobLifecycleListener implements OnModuleInit {
  private readonly logger = new Logger(JobLifecycleListener.name);

  constructor(
    private readonly events: TenantLifecycleEvents,
    private readonly store: JobRunStore,
    private readonly signal: DispatchSignal,
    private readonly schedules: JobSchedules,
  ) {}

  onModuleInit(): void {
    this.events.subscribe(async ({ tenantId, to }) => {
      if (to === 'active') {
        this.signal.wake();
        await this.schedules.ensureDefaults(tenantId);
      }
      if (to === 'offboarded') {
        // The runs first: they live in PostgreSQL alone, whereas the schedules need BullMQ too.
        const cancelled = await this.store.cancelQueued(tenantId, 'tenant_offboarded');
        if (cancelled > 0)
          this.logger.log({ tenantId, cancelled }, 'Cancelled the queued jobs of an offboarded tenant');
        await this.schedules.removeAllFor(tenantId);
      }
    });
  }
}
