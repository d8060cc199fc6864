import { DynamicModule, Module, ModuleMetadata, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GraphModule } from '@tenantry/graph';
import { IdentityModule } from '@tenantry/identity';
import { TenantsModule } from '@tenantry/tenants';
import { DispatchSignal } from './dispatch-signal';
import { JobDispatcher } from './job-dispatcher';
import { JobExecutor } from './job-executor';
import { JobHistoryModule } from './job-history.module';
import { JobHold } from './job-hold.entity';
import { JobLifecycleListener } from './job-lifecycle.listener';
import { JobRun } from './job-run.entity';
import { JobRunStore } from './job-run.store';
import { JobSchedule } from './job-schedule.entity';
import { JobSchedules } from './job-schedules.service';
import { JobTypeRegistry } from './job-type.registry';
import { Jobs } from './jobs.service';
import { LiveTenants } from './live-tenants';
import { ScheduleFirer } from './schedule-firer';
import { TenantJobQueue } from './tenant-job-queue.entity';

const EXPORTED = [Jobs, JobTypeRegistry, JobRunStore, JobExecutor, JobSchedules, ScheduleFirer];

/**
 * The job runtime with this deployment's job types. Every process may enqueue; a process serves
 * the jobs queue once `JobExecutor.start()` is called, and fires schedules once
 * `ScheduleFirer.start()` is (apps/worker does both, per WORKER_QUEUES).
 * Needs `RuntimeModule`.
 */
@Module({})
export class JobsModule {
  static forRoot(options: {
    readonly types: readonly Type[];
    /** Modules whose exports the job types inject. */
    readonly imports?: ModuleMetadata['imports'];
  }): DynamicModule {
    return {
      module: JobsModule,
      imports: [
        DiscoveryModule,
        TenantsModule,
        IdentityModule,
        GraphModule,
        ...(options.imports ?? []),
        TypeOrmModule.forFeature([JobRun, TenantJobQueue, JobHold, JobSchedule]),
        JobHistoryModule,
      ],
      providers: [...options.types, ...EXPORTED, DispatchSignal, JobDispatcher, JobLifecycleListener, LiveTenants],
      // The history (JobRunQueries) comes with the runtime.
      exports: [...EXPORTED, JobHistoryModule],
    };
  }
}
