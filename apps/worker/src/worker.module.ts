import { Module } from '@nestjs/common';
import { OnboardingModule } from '@tenantry/onboarding';
import { WorkloadModule } from '@tenantry/workload';
import { JobsWorker } from './jobs.worker';
import { OnboardingWorker } from './onboarding.worker';
import { SchedulesWorker } from './schedules.worker';
import { SystemWorker } from './system.worker';

/** The BullMQ workers of this process (`WORKER_QUEUES` picks which). Expects `RuntimeModule`. */
@Module({
  imports: [OnboardingModule, WorkloadModule],
  providers: [SystemWorker, OnboardingWorker, JobsWorker, SchedulesWorker],
})
export class WorkerModule {}
