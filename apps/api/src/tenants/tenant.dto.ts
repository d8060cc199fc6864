import { ApiProperty } from '@nestjs/swagger';
import type { TenantTokenHealth } from '@tenantry/identity';
import type { TenantJobStatistics } from '@tenantry/jobs';
import { TENANT_STATUSES, type Tenant, type TenantEvent, type TenantStatus } from '@tenantry/tenants';
import { DirectorySummaryDto } from '../directory/directory.dto';
import { ScheduleDto } from '../schedules/schedule.dto';

export class TenantLimitsDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Concurrent jobs; null uses the default.' })
  maxConcurrency!: number | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Queued jobs before enqueue is refused; null uses the default.',
  })
  maxQueuedJobs!: number | null;
}

export class TenantDto {
  @ApiProperty({ format: 'uuid', example: '72f988bf-86f1-41af-91ab-2d7cd011db47' })
  tenantId!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Contoso' })
  displayName!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'contoso.onmicrosoft.com' })
  primaryDomain!: string | null;

  @ApiProperty({ enum: TENANT_STATUSES })
  status!: TenantStatus;

  @ApiProperty({ type: String, nullable: true, example: 'consent_revoked' })
  attentionReason!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  consentedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  verifiedAt!: string | null;

  @ApiProperty({ type: [String], example: ['User.Read.All'] })
  grantedRoles!: string[];

  @ApiProperty({ example: 'standard' })
  tier!: string;

  @ApiProperty({ type: TenantLimitsDto })
  limits!: TenantLimitsDto;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ description: 'Optimistic-locking version; bumps on every change.' })
  version!: number;

  static of(tenant: Tenant): TenantDto {
    return {
      tenantId: tenant.tenantId,
      displayName: tenant.displayName,
      primaryDomain: tenant.primaryDomain,
      status: tenant.status,
      attentionReason: tenant.attentionReason,
      consentedAt: tenant.consentedAt?.toISOString() ?? null,
      verifiedAt: tenant.verifiedAt?.toISOString() ?? null,
      grantedRoles: tenant.grantedRoles,
      tier: tenant.tier,
      limits: { maxConcurrency: tenant.maxConcurrency, maxQueuedJobs: tenant.maxQueuedJobs },
      createdAt: tenant.createdAt.toISOString(),
      updatedAt: tenant.updatedAt.toISOString(),
      version: tenant.version,
    };
  }
}

export class TenantEventDto {
  @ApiProperty({ example: '42' })
  id!: string;

  @ApiProperty({ enum: TENANT_STATUSES, nullable: true })
  fromStatus!: TenantStatus | null;

  @ApiProperty({ enum: TENANT_STATUSES })
  toStatus!: TenantStatus;

  @ApiProperty({ example: 'operator_paused' })
  reason!: string;

  @ApiProperty({ example: 'api-key:1b4e28ba-2fa1-11d2-883f-0016d3cca427' })
  actor!: string;

  @ApiProperty({ type: Object, nullable: true })
  details!: Record<string, unknown> | null;

  @ApiProperty({ format: 'date-time' })
  occurredAt!: string;

  static of(event: TenantEvent): TenantEventDto {
    return {
      id: event.id,
      fromStatus: event.fromStatus,
      toStatus: event.toStatus,
      reason: event.reason,
      actor: event.actor,
      details: event.details,
      occurredAt: event.occurredAt.toISOString(),
    };
  }
}

export class TokenHealthDto {
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastSuccessAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Expiry of the current token.' })
  expiresOn!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'app_not_in_tenant' })
  lastErrorCode!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastErrorAt!: string | null;

  @ApiProperty({ description: 'Requests sent to the identity platform for this tenant (cache hits excluded).' })
  requestsTotal!: number;

  @ApiProperty()
  failuresTotal!: number;

  @ApiProperty({ type: Number, nullable: true })
  lastLatencyMs!: number | null;

  static of(health: TenantTokenHealth): TokenHealthDto {
    return {
      lastSuccessAt: health.lastSuccessAt?.toISOString() ?? null,
      expiresOn: health.expiresOn?.toISOString() ?? null,
      lastErrorCode: health.lastErrorCode,
      lastErrorAt: health.lastErrorAt?.toISOString() ?? null,
      requestsTotal: Number(health.requestsTotal),
      failuresTotal: Number(health.failuresTotal),
      lastLatencyMs: health.lastLatencyMs,
    };
  }
}

export class TenantJobStatisticsDto {
  @ApiProperty({ description: 'Runs waiting for their turn.', example: 3 })
  queued!: number;

  @ApiProperty({ description: 'Runs handed to a worker or running now.', example: 1 })
  running!: number;

  @ApiProperty({ example: 0 })
  failedLast24h!: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', format: 'date-time' },
    description: 'When each job type last succeeded for the tenant.',
    example: { 'directory.users-sync': '2026-11-24T06:00:00.000Z' },
  })
  lastSuccessByType!: Record<string, string>;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Graph or the identity platform throttled the tenant: its jobs wait until then.',
  })
  throttledUntil!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'graph_throttled' })
  throttleReason!: string | null;

  static of(statistics: TenantJobStatistics): TenantJobStatisticsDto {
    return {
      ...statistics,
      lastSuccessByType: Object.fromEntries(
        Object.entries(statistics.lastSuccessByType).map(([type, at]) => [type, at.toISOString()]),
      ),
      throttledUntil: statistics.throttledUntil?.toISOString() ?? null,
    };
  }
}

export class TenantDetailDto extends TenantDto {
  @ApiProperty({ type: [TenantEventDto], description: 'Lifecycle events, newest first.' })
  events!: TenantEventDto[];

  @ApiProperty({ type: TokenHealthDto, nullable: true, description: 'Null until a token was first requested.' })
  tokenHealth!: TokenHealthDto | null;

  @ApiProperty({ type: TenantJobStatisticsDto })
  jobs!: TenantJobStatisticsDto;

  @ApiProperty({ type: [ScheduleDto], description: 'The tenant’s recurring jobs.' })
  schedules!: ScheduleDto[];

  @ApiProperty({ type: DirectorySummaryDto, description: 'The synced directory and how its sync stands.' })
  directory!: DirectorySummaryDto;
}

export class TenantPageDto {
  @ApiProperty({ type: [TenantDto] })
  items!: TenantDto[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;
}

export class TenantTotalsDto implements Record<TenantStatus, number> {
  @ApiProperty({ example: 2 })
  pending!: number;

  @ApiProperty({ example: 310 })
  active!: number;

  @ApiProperty({ example: 4 })
  needs_attention!: number;

  @ApiProperty({ example: 1 })
  paused!: number;

  @ApiProperty({ example: 12 })
  offboarded!: number;
}
