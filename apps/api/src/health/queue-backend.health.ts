import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { QueueBackend } from '@tenantry/queue';
import { answerWithin } from './answer-within';

@Injectable()
export class QueueBackendHealthIndicator {
  constructor(
    private readonly queues: QueueBackend,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key: string, timeoutMs: number): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check(key);
    try {
      await answerWithin(this.queues.ping(), timeoutMs);
      return indicator.up({ backend: this.queues.kind });
    } catch (error) {
      return indicator.down({
        backend: this.queues.kind,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
