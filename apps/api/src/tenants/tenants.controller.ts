import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { DirectorySnapshots } from '@tenantry/directory-sync';
import { TokenHealthRecorder } from '@tenantry/identity';
import { JobSchedules, JobStatistics } from '@tenantry/jobs';
import { TenantVerificationQueue } from '@tenantry/onboarding';
import { CurrentOperator, type Operator } from '@tenantry/operator-auth';
import { TenantRegistry } from '@tenantry/tenants';
import { Access } from '../access.decorator';
import { Audited } from '../audit/audited.decorator';
import { ListTenantsQuery } from './list-tenants.query';
import { DirectorySummaryDto } from '../directory/directory.dto';
import { ScheduleDto } from '../schedules/schedule.dto';
import { OffboardTenantBody, TenantActionBody } from './tenant-action.body';
import { TenantIdParam } from './tenant-id.pipe';
import {
  TenantDetailDto,
  TenantDto,
  TenantEventDto,
  TenantJobStatisticsDto,
  TenantPageDto,
  TenantTotalsDto,
  TokenHealthDto,
} from './tenant.dto';

@ApiTags('tenants')
@ApiBadRequestResponse({ description: 'Invalid parameters (problem+json).' })
@Controller('api/v1/tenants')
export class TenantsController {
  constructor(
    private readonly registry: TenantRegistry,
    private readonly tokenHealth: TokenHealthRecorder,
    private readonly verification: TenantVerificationQueue,
    private readonly jobStatistics: JobStatistics,
    private readonly schedules: JobSchedules,
    private readonly directory: DirectorySnapshots,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({ summary: 'List tenants, newest first or by name (keyset-paginated, filterable).' })
  @ApiOkResponse({ type: TenantPageDto })
  async list(@Query() query: ListTenantsQuery): Promise<TenantPageDto> {
    const page = await this.registry.list(query);
    return { items: page.items.map((tenant) => TenantDto.of(tenant)), nextCursor: page.nextCursor };
  }

  @Get('totals')
  @Access('viewer')
  @ApiOperation({ summary: 'How many tenants are in each status.' })
  @ApiOkResponse({ type: TenantTotalsDto })
  totals(): Promise<TenantTotalsDto> {
    return this.registry.totals();
  }

  @Get(':tenantId')
  @Access('viewer')
  @ApiOperation({
    summary: 'One tenant: its lifecycle events, token health, job statistics, schedules and directory.',
  })
  @ApiOkResponse({ type: TenantDetailDto })
  @ApiNotFoundResponse({ description: 'No such tenant (problem+json).' })
  async get(@TenantIdParam() tenantId: string): Promise<TenantDetailDto> {
    // An unknown tenant is a 404 before anything else is read.
    const tenant = await this.registry.get(tenantId);
    const [events, health, jobs, schedules, directory] = await Promise.all([
      this.registry.history(tenant.tenantId),
      this.tokenHealth.find(tenant.tenantId),
      this.jobStatistics.forTenant(tenant.tenantId),
      this.schedules.list(tenant.tenantId),
      this.directory.summary(tenant.tenantId),
    ]);
    return {
      ...TenantDto.of(tenant),
      events: events.map((event) => TenantEventDto.of(event)),
      tokenHealth: health ? TokenHealthDto.of(health) : null,
      jobs: TenantJobStatisticsDto.of(jobs),
      schedules: schedules.map((schedule) => ScheduleDto.of(schedule)),
      directory: DirectorySummaryDto.of(directory),
    };
  }

  @Post(':tenantId/verify')
  @HttpCode(202)
  @Access('operator')
  @Audited({ action: 'tenant.verify', targetType: 'tenant', targetParam: 'tenantId' })
  @ApiOperation({ summary: 'Check the tenant’s consent again (a fresh token, its tid and roles), in the background.' })
  @ApiAcceptedResponse({ type: TenantDto, description: 'Verification queued; the tenant as it is now.' })
  async verify(@TenantIdParam() tenantId: string): Promise<TenantDto> {
    const tenant = await this.registry.get(tenantId);
    await this.verification.enqueue(tenant.tenantId, 'operator');
    return TenantDto.of(tenant);
  }

  @Post(':tenantId/pause')
  @HttpCode(200)
  @Access('operator')
  @Audited({ action: 'tenant.pause', targetType: 'tenant', targetParam: 'tenantId' })
  @ApiOperation({ summary: 'Hold the tenant’s jobs until it is resumed.' })
  @ApiOkResponse({ type: TenantDto })
  async pause(
    @TenantIdParam() tenantId: string,
    @Body() body: TenantActionBody,
    @CurrentOperator() operator: Operator,
  ): Promise<TenantDto> {
    return TenantDto.of(await this.registry.pause(tenantId, operator.actor, body.note));
  }

  @Post(':tenantId/resume')
  @HttpCode(200)
  @Access('operator')
  @Audited({ action: 'tenant.resume', targetType: 'tenant', targetParam: 'tenantId' })
  @ApiOperation({ summary: 'Let a paused tenant’s jobs flow again.' })
  @ApiOkResponse({ type: TenantDto })
  async resume(
    @TenantIdParam() tenantId: string,
    @Body() body: TenantActionBody,
    @CurrentOperator() operator: Operator,
  ): Promise<TenantDto> {
    return TenantDto.of(await this.registry.resume(tenantId, operator.actor, body.note));
  }

  @Post(':tenantId/offboard')
  @HttpCode(200)
  @Access('admin')
  @Audited({ action: 'tenant.offboard', targetType: 'tenant', targetParam: 'tenantId' })
  @ApiOperation({
    summary: 'Stop serving the tenant for good: its queued jobs, schedules, synced data and tokens are removed.',
    description:
      'Repeat the tenant id as `confirmTenantId`. The tenant and its events stay as a tombstone and the audit ' +
      'trail is kept; only a new admin consent brings it back (to `pending`). Jobs already running finish.',
  })
  @ApiOkResponse({ type: TenantDto })
  @ApiNotFoundResponse({ description: 'No such tenant (problem+json).' })
  @ApiConflictResponse({ description: 'The tenant is offboarded already (problem+json).' })
  async offboard(
    @TenantIdParam() tenantId: string,
    @Body() body: OffboardTenantBody,
    @CurrentOperator() operator: Operator,
  ): Promise<TenantDto> {
    return TenantDto.of(await this.registry.offboard(tenantId, body.confirmTenantId, operator.actor, body.note));
  }
}
