import { ApiProperty } from '@nestjs/swagger';
import { JOB_RUN_STATUSES, type JobRunPage, type JobRunStatus, type JobRunView } from '@tenantry/jobs';

export class JobRunDto {
  @ApiProperty({ description: 'A 64-bit integer, as a decimal string.', example: '42' })
  id!: string;

  @ApiProperty({ format: 'uuid', example: '72f988bf-86f1-41af-91ab-2d7cd011db47' })
  tenantId!: string;

  @ApiProperty({ example: 'tenant.token-check' })
  type!: string;

  @ApiProperty({ enum: JOB_RUN_STATUSES, example: 'succeeded' })
  status!: JobRunStatus;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'As validated on enqueue, with the type’s defaults applied.',
    example: { forceRefresh: false },
  })
  payload!: unknown;

  @ApiProperty({ description: 'Executions that counted against `maxAttempts`.', example: 1 })
  attempts!: number;

  @ApiProperty({ example: 3 })
  maxAttempts!: number;

  @ApiProperty({ type: String, nullable: true, example: 'nightly-check:2025-05-01' })
  idempotencyKey!: string | null;

  @ApiProperty({
    description: 'Who asked: `api:<API key id>`, `cli`, `schedule:<id>` or `code`.',
    example: 'api:1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  })
  enqueuedBy!: string;

  @ApiProperty({ format: 'date-time' })
  enqueuedAt!: string;

  @ApiProperty({ format: 'date-time', description: 'Not dispatched before this (retry backoff).' })
  availableAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Start of the latest attempt.' })
  startedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  finishedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'tenant_throttled' })
  errorCode!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'The tenant is throttled (throttled); its jobs wait 5000 ms.' })
  errorMessage!: string | null;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    nullable: true,
    description: 'The handler’s last progress report.',
    example: { roles: 2 },
  })
  progress!: Record<string, number> | null;

  static of(run: JobRunView): JobRunDto {
    return {
      ...run,
      enqueuedAt: run.enqueuedAt.toISOString(),
      availableAt: run.availableAt.toISOString(),
      startedAt: run.startedAt?.toISOString() ?? null,
      finishedAt: run.finishedAt?.toISOString() ?? null,
    };
  }
}

export class EnqueuedJobRunDto extends JobRunDto {
  @ApiProperty({ description: 'False when the idempotency key named a run enqueued before: that run is shown.' })
  created!: boolean;
}

export class JobRunPageDto {
  @ApiProperty({ type: [JobRunDto] })
  items!: JobRunDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;

  static of(page: JobRunPage): JobRunPageDto {
    return { items: page.items.map((run) => JobRunDto.of(run)), nextCursor: page.nextCursor };
  }
}
