import { Injectable, Logger } from '@nestjs/common';
import type { Job, Worker } from 'bullmq';
import { QueueBackend, QueueName } from '@tenantry/queue';
import { JobSchedules, ScheduleFiring } from './job-schedules.service';

/** Serves the `schedules` queue: each firing of a BullMQ job scheduler enqueues the tenant's run. */
@Injectable()
export class ScheduleFirer {
  private readonly logger = new Logger(ScheduleFirer.name);
  private worker: Worker | undefined;

  constructor(
    private readonly schedules: JobSchedules,
    private readonly queues: QueueBackend,
  ) {}

  async start(): Promise<void> {
    if (this.worker) return;
    const { upserted, removed } = await this.schedules.reconcile();
    this.logger.log({ upserted, removed }, 'Job schedulers in step with job_schedules');
    this.worker = this.queues.createWorker(QueueName.Schedules, (job: Job<ScheduleFiring>) =>
      // The firing's BullMQ id is unique per firing: the run's idempotency key, so a firing
      // delivered twice enqueues once.
      this.schedules.fire(job.data.scheduleId, String(job.id)),
    );
  }
}
