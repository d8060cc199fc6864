import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobRun } from './job-run.entity';
import { JobRunQueries } from './job-run.queries';
import { JobRuntimeStatus } from './job-runtime-status';
import { JobStatistics } from './job-statistics';

/**
 * The run history alone, without the job runtime: for a process that only shows runs (the CLI
 * in simulator mode has no identity platform, which the runtime's executor needs).
 */
@Module({
  imports: [TypeOrmModule.forFeature([JobRun])],
  providers: [JobRunQueries, JobStatistics, JobRuntimeStatus],
  exports: [JobRunQueries, JobStatistics, JobRuntimeStatus],
})
export class JobHistoryModule {}
