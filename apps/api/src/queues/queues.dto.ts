import { ApiProperty } from '@nestjs/swagger';
import type { JobRuntimeLimits, JobRuntimeState } from '@tenantry/jobs';
import type { QueueStatus } from '@tenantry/queue';

export class FinishedCountsDto {
  @ApiProperty({ description: 'Since BullMQ began counting: a counter to take rates from.', example: 91_234 })
  total!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 120,
    description: 'Null on the PostgreSQL backend, whose metrics do not say when; use `total` there.',
  })
  lastMinute!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 580 })
  last5Minutes!: number | null;

  @ApiProperty({ type: Number, nullable: true, example: 7020 })
  lastHour!: number | null;
}

export class QueueDto {
  @ApiProperty({ enum: ['system', 'onboarding', 'jobs', 'schedules'] })
  name!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'BullMQ’s jobs per state (finished ones only while BullMQ keeps them).',
    example: { waiting: 0, prioritized: 0, active: 12, delayed: 3, failed: 0, completed: 0 },
  })
  counts!: Record<string, number>;

  @ApiProperty({ type: FinishedCountsDto, description: 'Jobs finished (completed or failed), fleet-wide.' })
  finished!: FinishedCountsDto;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Jobs that failed in BullMQ in the last hour.',
    example: 0,
  })
  failedLastHour!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Worker connections serving the queue now; null on the embedded database, which cannot tell.',
    example: 2,
  })
  workers!: number | null;

  static of(status: QueueStatus): QueueDto {
    return {
      name: status.name,
      counts: { ...status.counts },
      finished: { ...status.finished },
      failedLastHour: status.failed.lastHour,
      workers: status.workers,
    };
  }
}

export class RunCountsDto {
  @ApiProperty({ example: 340 })
  queued!: number;

  @ApiProperty({ example: 12 })
  dispatched!: number;

  @ApiProperty({ example: 64 })
  running!: number;
}

export class ThrottledTenantDto {
  @ApiProperty({ format: 'uuid' })
  tenantId!: string;

  @ApiProperty({ format: 'date-time' })
  until!: string;

  @ApiProperty({ type: String, nullable: true, example: 'graph_throttled' })
  reason!: string | null;
}

export class JobHoldDto {
  @ApiProperty({ example: 'application' })
  scope!: string;

  @ApiProperty({ format: 'date-time' })
  until!: string;

  @ApiProperty({ example: 'invalid_client_secret' })
  reason!: string;
}

export class QueuesDto {
  @ApiProperty({ enum: ['redis', 'postgres'] })
  backend!: 'redis' | 'postgres';

  @ApiProperty({ type: [QueueDto] })
  queues!: QueueDto[];

  @ApiProperty({ type: RunCountsDto, description: 'Tenants’ job runs not finished, across every tenant.' })
  runs!: RunCountsDto;

  @ApiProperty({ type: [ThrottledTenantDto], description: 'Tenants whose jobs wait out a throttle, soonest first.' })
  throttled!: ThrottledTenantDto[];

  @ApiProperty({ type: [JobHoldDto], description: 'Holds on every job while in force (a rejected app credential).' })
  holds!: JobHoldDto[];

  static of(backend: 'redis' | 'postgres', queues: QueueStatus[], state: JobRuntimeState): QueuesDto {
    return {
      backend,
      queues: queues.map((queue) => QueueDto.of(queue)),
      runs: { ...state.runs },
      throttled: state.throttled.map((tenant) => ({ ...tenant, until: tenant.until.toISOString() })),
      holds: state.holds.map((hold) => ({ ...hold, until: hold.until.toISOString() })),
    };
  }
}

export class TenantLimitOverrideDto {
  @ApiProperty({ format: 'uuid' })
  tenantId!: string;

  @ApiProperty({ type: Number, nullable: true })
  maxConcurrency!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  maxQueuedJobs!: number | null;
}

export class LimitsDto {
  @ApiProperty({ description: 'Jobs one worker process runs at once (WORKER_CONCURRENCY).', example: 16 })
  workerConcurrency!: number;

  @ApiProperty({ description: 'Jobs in flight across the fleet (JOBS_GLOBAL_CONCURRENCY).', example: 512 })
  globalConcurrency!: number;

  @ApiProperty({ description: 'Default jobs in flight per tenant (JOBS_TENANT_CONCURRENCY).', example: 4 })
  tenantConcurrency!: number;

  @ApiProperty({ description: 'Default queued jobs per tenant before 429 (JOBS_TENANT_MAX_QUEUED).', example: 10000 })
  tenantMaxQueued!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Fair-share weight per tenant tier (JOBS_TIER_WEIGHTS).',
    example: { standard: 1, premium: 4 },
  })
  tierWeights!: Record<string, number>;

  @ApiProperty({ type: [TenantLimitOverrideDto], description: 'Tenants with limits of their own.' })
  tenantOverrides!: TenantLimitOverrideDto[];

  static of(limits: JobRuntimeLimits): LimitsDto {
    return { ...limits, tierWeights: { ...limits.tierWeights }, tenantOverrides: [...limits.tenantOverrides] };
  }
}
