import { DynamicModule, Module, Type } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
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
import { JobTypeRegistry } from './job-type.registry';
import { Jobs } from './jobs.service';
import { TenantJobQueue } from './tenant-job-queue.entity';

const EXPORTED = [Jobs, JobTypeRegistry, JobRunStore, JobExecutor];

/**
 * The job runtime with this deployment's job types. Every process may enqueue; a process serves
 * the jobs queue only once `JobExecutor.start()` is called (apps/worker does, per WORKER_QUEUES).
 * Needs `RuntimeModule`.
 */
@Module({})
export class JobsModule {
  static forRoot(options: { readonly types: readonly Type[] }): DynamicModule {
    return {
      module: JobsModule,
      imports: [
        DiscoveryModule,
        TenantsModule,
        IdentityModule,
        TypeOrmModule.forFeature([JobRun, TenantJobQueue, JobHold]),
        JobHistoryModule,
      ],
      providers: [...options.types, ...EXPORTED, DispatchSignal, JobDispatcher, JobLifecycleListener],
      // The history (JobRunQueries) comes with the runtime.
      exports: [...EXPORTED, JobHistoryModule],
    };
  }
}
