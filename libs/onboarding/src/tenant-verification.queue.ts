import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { type AppConfig, APP_CONFIG } from '@tenantry/config';
import { QueueBackend, QueueName } from '@tenantry/queue';
import { assertTenantId } from '@tenantry/tenants';
import { VERIFY_TENANT_JOB, type VerifyTenantPayload } from './tenant-verification.job';

/** Enqueues verification of a tenant's consent, retried with backoff while consent propagates. */
@Injectable()
export class TenantVerificationQueue {
  private queue: Queue | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueueBackend,
  ) {}

  async enqueue(tenantId: string, trigger: VerifyTenantPayload['trigger']): Promise<void> {
    const payload: VerifyTenantPayload = { tenantId: assertTenantId(tenantId), trigger };
    this.queue ??= this.queues.createQueue(QueueName.Onboarding);
    await this.queue.add(VERIFY_TENANT_JOB, payload, {
      // One verification per tenant at a time; a later consent after it finished starts another.
      jobId: `verify-${payload.tenantId}`,
      attempts: this.config.onboarding.verifyAttempts,
      backoff: { type: 'exponential', delay: this.config.onboarding.verifyFirstDelayMs },
      removeOnComplete: true,
      removeOnFail: true,
    });
  }
}
