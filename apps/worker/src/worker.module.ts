import { Module } from '@nestjs/common';
import { OnboardingModule } from '@tenantry/onboarding';
import { OnboardingWorker } from './onboarding.worker';
import { SystemWorker } from './system.worker';

/** The BullMQ workers of this process (`WORKER_QUEUES` picks which). Expects `RuntimeModule`. */
@Module({ imports: [OnboardingModule], providers: [SystemWorker, OnboardingWorker] })
export class WorkerModule {}
