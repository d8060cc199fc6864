import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { QueueBackend, QueueName, SYSTEM_PING_JOB, SystemPingPayload, SystemPingResult } from '@tenantry/queue';

/** Serves the `system` queue: for now the ping that proves a job round-trips through the backend. */
@Injectable()
export class SystemWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger(SystemWorker.name);

  constructor(private readonly queues: QueueBackend) {}

  onApplicationBootstrap(): void {
    if (!this.queues.serves(QueueName.System)) return;
    this.queues.createWorker(QueueName.System, (job: Job) => this.process(job), { concurrency: 4 });
    this.logger.log(`Serving queue ${QueueName.System} on the ${this.queues.kind} backend`);
  }

  private async process(job: Job): Promise<SystemPingResult> {
    if (job.name !== SYSTEM_PING_JOB) throw new Error(`Unknown job ${job.name} on queue ${QueueName.System}`);
    const payload = job.data as SystemPingPayload;
    return { sentAt: payload.sentAt, workerPid: process.pid };
  }
}
