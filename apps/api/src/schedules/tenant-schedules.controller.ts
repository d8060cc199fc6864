import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { JobSchedules, type ScheduleInput, type SchedulePatch } from '@tenantry/jobs';
import { CurrentOperator, type Operator } from '@tenantry/operator-auth';
import { TenantRegistry } from '@tenantry/tenants';
import { Access } from '../access.decorator';
import { Audited } from '../audit/audited.decorator';
import { RequestValidationError } from '../problems/request-validation.error';
import { TenantIdParam } from '../tenants/tenant-id.pipe';
import { CreateScheduleBody } from './create-schedule.body';
import { ScheduleIdPipe } from './schedule-id.pipe';
import { ScheduleDto, ScheduleListDto } from './schedule.dto';
import { UpdateScheduleBody } from './update-schedule.body';

const SCHEDULE_ID_PARAM = {
  name: 'scheduleId',
  description: 'The schedule id (a UUID).',
  schema: { type: 'string', format: 'uuid', example: '0f8fad5b-d9cb-469f-a165-70867728950e' },
} as const;

const TIMING_RULES =
  'Exactly one of `cron` (five fields, with an optional IANA `timezone`, UTC by default) and `everyMs` ' +
  '(60000 to 24 days). A timing that cannot be used, an unknown type, or a payload that does not fit the ' +
  'type’s schema or carries what looks like a secret, is refused with 400.';

@ApiTags('schedules')
@ApiBadRequestResponse({ description: 'Invalid parameters or body (problem+json).' })
@ApiNotFoundResponse({ description: 'No such tenant, or no such schedule of it (problem+json).' })
@Controller('api/v1/tenants/:tenantId/schedules')
export class TenantSchedulesController {
  constructor(
    private readonly schedules: JobSchedules,
    private readonly tenants: TenantRegistry,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({
    summary: 'The tenant’s recurring jobs, oldest first.',
    description: 'A tenant has few schedules: all of them, in one response (no pagination).',
  })
  @ApiOkResponse({ type: ScheduleListDto })
  async list(@TenantIdParam() tenantId: string): Promise<ScheduleListDto> {
    // An unknown tenant is a 404, not an empty list.
    const tenant = await this.tenants.get(tenantId);
    const schedules = await this.schedules.list(tenant.tenantId);
    return { items: schedules.map((schedule) => ScheduleDto.of(schedule)) };
  }

  @Get(':scheduleId')
  @Access('viewer')
  @ApiParam(SCHEDULE_ID_PARAM)
  @ApiOperation({ summary: 'One of the tenant’s schedules.' })
  @ApiOkResponse({ type: ScheduleDto })
  async get(
    @TenantIdParam() tenantId: string,
    @Param('scheduleId', ScheduleIdPipe) scheduleId: string,
  ): Promise<ScheduleDto> {
    return ScheduleDto.of(await this.schedules.get(tenantId, scheduleId));
  }

  @Post()
  @Access('operator')
  @Audited({
    action: 'job_schedule.create',
    targetType: 'job_schedule',
    targetFromResult: 'id',
    tenantParam: 'tenantId',
  })
  @ApiOperation({
    summary: 'Give the tenant a recurring job; each firing queues a run while the tenant is active.',
    description: TIMING_RULES,
  })
  @ApiBody({
    type: CreateScheduleBody,
    examples: {
      cron: {
        summary: 'Daily at 02:00, Paris time',
        value: { type: 'tenant.token-check', cron: '0 2 * * *', timezone: 'Europe/Paris' },
      },
      interval: {
        summary: 'Every hour',
        value: { type: 'tenant.token-check', everyMs: 3600000, payload: { forceRefresh: true } },
      },
    },
  })
  @ApiCreatedResponse({ type: ScheduleDto })
  @ApiConflictResponse({ description: 'The tenant is offboarded: it takes no schedules (problem+json).' })
  async create(
    @TenantIdParam() tenantId: string,
    @Body() body: CreateScheduleBody,
    @CurrentOperator() operator: Operator,
  ): Promise<ScheduleDto> {
    refuseTimezoneWithInterval(body);
    // Which of cron and everyMs was given is the service's to check, with the rest of the timing.
    const input = { ...body } as ScheduleInput;
    return ScheduleDto.of(await this.schedules.create(tenantId, input, `api:${operator.apiKeyId}`));
  }

  @Patch(':scheduleId')
  @Access('operator')
  @Audited({
    action: 'job_schedule.update',
    targetType: 'job_schedule',
    targetParam: 'scheduleId',
    tenantParam: 'tenantId',
  })
  @ApiParam(SCHEDULE_ID_PARAM)
  @ApiOperation({
    summary: 'Change a schedule: its payload, timing, or whether it is enabled.',
    description:
      'Only the fields given change. A `cron` or an `everyMs` replaces the timing (a `cron` without ' +
      '`timezone` is read in UTC); a `timezone` alone moves a cron schedule to that zone. ' +
      TIMING_RULES,
  })
  @ApiBody({
    type: UpdateScheduleBody,
    examples: {
      disable: { summary: 'Stop it firing, keep it', value: { enabled: false } },
      retime: { summary: 'Every six hours instead', value: { everyMs: 21600000 } },
    },
  })
  @ApiOkResponse({ type: ScheduleDto })
  async update(
    @TenantIdParam() tenantId: string,
    @Param('scheduleId', ScheduleIdPipe) scheduleId: string,
    @Body() body: UpdateScheduleBody,
  ): Promise<ScheduleDto> {
    refuseTimezoneWithInterval(body);
    return ScheduleDto.of(await this.schedules.update(tenantId, scheduleId, body as SchedulePatch));
  }

  @Delete(':scheduleId')
  @HttpCode(204)
  @Access('operator')
  @Audited({
    action: 'job_schedule.delete',
    targetType: 'job_schedule',
    targetParam: 'scheduleId',
    tenantParam: 'tenantId',
  })
  @ApiParam(SCHEDULE_ID_PARAM)
  @ApiOperation({ summary: 'Delete a schedule; it never fires again (runs it queued are left alone).' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  async remove(
    @TenantIdParam() tenantId: string,
    @Param('scheduleId', ScheduleIdPipe) scheduleId: string,
  ): Promise<void> {
    await this.schedules.remove(tenantId, scheduleId);
  }
}

/** An interval has no time zone: one sent with it would be dropped without a word. */
function refuseTimezoneWithInterval(body: { timezone?: string; everyMs?: number }): void {
  if (body.timezone !== undefined && body.everyMs !== undefined) {
    throw new RequestValidationError([{ field: 'timezone', problems: ['timezone goes with cron, not with everyMs'] }]);
  }
}
