import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ScheduleFirer } from '@tenantry/jobs';
import { QueueBackend, QueueName } from '@tenantry/queue';

/** Serves the `schedules` queue: tenants' recurring jobs (libs/jobs). */
@Injectable()
export class SchedulesWorker implements OnApplicationBootstrap {
  constructor(
    private readonly queues: QueueBackend,
    private readonly firer: ScheduleFirer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.queues.serves(QueueName.Schedules)) return;
    await this.firer.start();
  }
}
