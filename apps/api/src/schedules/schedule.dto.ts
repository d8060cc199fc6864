import { ApiProperty } from '@nestjs/swagger';
import type { JobSchedule } from '@tenantry/jobs';

const SCHEDULE_ORIGINS = ['default', 'operator'] as const;

export class ScheduleDto {
  @ApiProperty({ format: 'uuid', example: '0f8fad5b-d9cb-469f-a165-70867728950e' })
  id!: string;

  @ApiProperty({ format: 'uuid', example: '72f988bf-86f1-41af-91ab-2d7cd011db47' })
  tenantId!: string;

  @ApiProperty({ example: 'tenant.token-check' })
  type!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'What each run gets, as validated, with the type’s defaults applied.',
    example: { forceRefresh: false },
  })
  payload!: unknown;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Five fields, read in `timezone`; null when the schedule runs every `everyMs`.',
    example: '0 2 * * *',
  })
  cron!: string | null;

  @ApiProperty({ description: 'IANA time zone of `cron`; `UTC` for an interval.', example: 'Europe/Paris' })
  timezone!: string;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The interval in milliseconds; null when the schedule follows `cron`.',
    example: null,
  })
  everyMs!: number | null;

  @ApiProperty({ description: 'A disabled schedule is kept but never fires.', example: true })
  enabled!: boolean;

  @ApiProperty({
    enum: SCHEDULE_ORIGINS,
    description: '`default`: the job type’s, created when the tenant became active; `operator`: made by hand.',
    example: 'operator',
  })
  origin!: 'default' | 'operator';

  @ApiProperty({
    description: 'Who made it: `api:<API key id>`, or `system:activation` for a job type’s default.',
    example: 'api:1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  })
  createdBy!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Its latest firing.' })
  lastFiredAt!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'The run its latest firing queued; null when that firing was skipped (tenant not active, or the ' +
      'previous run unfinished).',
    example: '42',
  })
  lastRunId!: string | null;

  static of(schedule: JobSchedule): ScheduleDto {
    return {
      id: schedule.id,
      tenantId: schedule.tenantId,
      type: schedule.type,
      payload: schedule.payload,
      cron: schedule.cron,
      timezone: schedule.timezone,
      everyMs: schedule.everyMs,
      enabled: schedule.enabled,
      origin: schedule.origin,
      createdBy: schedule.createdBy,
      createdAt: schedule.createdAt.toISOString(),
      updatedAt: schedule.updatedAt.toISOString(),
      lastFiredAt: schedule.lastFiredAt?.toISOString() ?? null,
      lastRunId: schedule.lastRunId,
    };
  }
}

export class ScheduleListDto {
  @ApiProperty({ type: [ScheduleDto], description: 'Oldest first.' })
  items!: ScheduleDto[];
}
