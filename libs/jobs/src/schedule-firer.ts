import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Job, Worker } from 'bullmq';
import { QueueBackend, QueueName } from '@tenantry/queue';
import { JobSchedules, ScheduleFiring } from './job-schedules.service';

const RECONCILE_EVERY_MS = 3600_000;

/** Serves the `schedules` queue: each firing of a BullMQ job scheduler enqueues the tenant's run. */
@Injectable()
export class ScheduleFirer implements OnModuleDestroy {
  private readonly logger = new Logger(ScheduleFirer.name);
  private worker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly schedules: JobSchedules,
    private readonly queues: QueueBackend,
  ) {}

  async start(): Promise<void> {
    if (this.worker) return;
    await this.reconcile();
    // Again every hour: a Redis that lost its keys (or a sync that failed) fires again without a
    // worker restart.
    this.timer = setInterval(() => void this.reconcile(), RECONCILE_EVERY_MS);
    this.timer.unref();
    this.worker = this.queues.createWorker(QueueName.Schedules, (job: Job<ScheduleFiring>) =>
      // The firing's BullMQ id is unique per firing: the run's idempotency key, so a firing
      // delivered twice enqueues once.
      this.schedules.fire(job.data.scheduleId, String(job.id)),
    );
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  private async reconcile(): Promise<void> {
    try {
      const { upserted, removed } = await this.schedules.reconcile();
      this.logger.log({ upserted, removed }, 'Job schedulers in step with job_schedules');
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not reconcile job schedulers; retrying later');
    }
  }
}
