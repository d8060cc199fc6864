import { Module } from '@nestjs/common';
import { DirectorySyncModule, DirectoryUsersSyncJob } from '@tenantry/directory-sync';
import { JobsModule } from '@tenantry/jobs';
import { TenantTokenCheckJob } from './tenant-token-check.job';

/**
 * This deployment's job types: the platform's built-in ones and the ISV's own. Adding a job type
 * is one class file (see tenant-token-check.job.ts) and one entry in this list.
 */
export const JOB_TYPES = [TenantTokenCheckJob, DirectoryUsersSyncJob];

/** The job runtime with every job type; imported by the API (to enqueue) and the worker (to run). */
@Module({
  imports: [DirectorySyncModule, JobsModule.forRoot({ types: JOB_TYPES, imports: [DirectorySyncModule] })],
  exports: [JobsModule, DirectorySyncModule],
})
export class WorkloadModule {}
