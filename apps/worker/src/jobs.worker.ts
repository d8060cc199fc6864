import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { type AppConfig, APP_CONFIG } from '@tenantry/config';
import { JobExecutor } from '@tenantry/jobs';
import { QueueName } from '@tenantry/queue';

/** Serves the `jobs` queue: tenants' jobs, dispatched fairly (libs/jobs). */
@Injectable()
export class JobsWorker implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly executor: JobExecutor,
  ) {}

  onApplicationBootstrap(): void {
    const served = this.config.queue.workerQueues;
    if (served !== undefined && !served.includes(QueueName.Jobs)) return;
    this.executor.start();
  }
}
