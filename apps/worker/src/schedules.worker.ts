import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { type AppConfig, APP_CONFIG } from '@tenantry/config';
import { ScheduleFirer } from '@tenantry/jobs';
import { QueueName } from '@tenantry/queue';

/** Serves the `schedules` queue: tenants' recurring jobs (libs/jobs). */
@Injectable()
export class SchedulesWorker implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly firer: ScheduleFirer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const served = this.config.queue.workerQueues;
    if (served !== undefined && !served.includes(QueueName.Schedules)) return;
    await this.firer.start();
  }
}
