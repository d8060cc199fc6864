import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { type AppConfig, APP_CONFIG } from '@tenantry/config';
import {
  TenantVerifier,
  VERIFY_TENANT_JOB,
  type VerificationResult,
  type VerifyTenantPayload,
} from '@tenantry/onboarding';
import { QueueBackend, QueueName } from '@tenantry/queue';

/** Serves the `onboarding` queue: verification of admin consents. */
@Injectable()
export class OnboardingWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger(OnboardingWorker.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueueBackend,
    private readonly verifier: TenantVerifier,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.queues.serves(QueueName.Onboarding)) return;
    this.queues.createWorker(QueueName.Onboarding, (job: Job) => this.process(job), {
      concurrency: this.config.jobs.workerConcurrency,
    });
  }

  private async process(job: Job): Promise<VerificationResult> {
    if (job.name !== VERIFY_TENANT_JOB) throw new Error(`Unknown job ${job.name} on queue ${QueueName.Onboarding}`);
    const { tenantId } = job.data as VerifyTenantPayload;
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      return await this.verifier.verify(tenantId, finalAttempt);
    } catch (error) {
      this.logger.warn(
        { tenantId, jobId: job.id, attempt: job.attemptsMade + 1, code: (error as { code?: string }).code },
        'Verification not yet conclusive; retrying',
      );
      throw error;
    }
  }
}
