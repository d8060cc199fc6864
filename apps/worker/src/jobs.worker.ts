import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { JobExecutor } from '@tenantry/jobs';
import { QueueBackend, QueueName } from '@tenantry/queue';

/** Serves the `jobs` queue: tenants' jobs, dispatched fairly (libs/jobs). */
@Injectable()
export class JobsWorker implements OnApplicationBootstrap {
  constructor(
    private readonly queues: QueueBackend,
    private readonly executor: JobExecutor,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.queues.serves(QueueName.Jobs)) return;
    this.executor.start();
  }
}
