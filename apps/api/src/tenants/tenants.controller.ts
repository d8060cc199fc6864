import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { TokenHealthRecorder } from '@tenantry/identity';
import { TenantVerificationQueue } from '@tenantry/onboarding';
import { CurrentOperator, type Operator } from '@tenantry/operator-auth';
import { TenantRegistry } from '@tenantry/tenants';
import { Access } from '../access.decorator';
import { Audited } from '../audit/audited.decorator';
import { ListTenantsQuery } from './list-tenants.query';
import { TenantActionBody } from './tenant-action.body';
import { TenantIdPipe } from './tenant-id.pipe';
import { TenantDetailDto, TenantDto, TenantEventDto, TenantPageDto, TokenHealthDto } from './tenant.dto';

@ApiTags('tenants')
@ApiBadRequestResponse({ description: 'Invalid parameters (problem+json).' })
@Controller('api/v1/tenants')
export class TenantsController {
  constructor(
    private readonly registry: TenantRegistry,
    private readonly tokenHealth: TokenHealthRecorder,
    private readonly verification: TenantVerificationQueue,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({ summary: 'List tenants, newest first (keyset-paginated, filterable).' })
  @ApiOkResponse({ type: TenantPageDto })
  async list(@Query() query: ListTenantsQuery): Promise<TenantPageDto> {
    const page = await this.registry.list(query);
    return { items: page.items.map((tenant) => TenantDto.of(tenant)), nextCursor: page.nextCursor };
  }

  @Get(':tenantId')
  @Access('viewer')
  @ApiOperation({ summary: 'One tenant with its lifecycle events.' })
  @ApiOkResponse({ type: TenantDetailDto })
  @ApiNotFoundResponse({ description: 'No such tenant (problem+json).' })
  async get(@Param('tenantId', TenantIdPipe) tenantId: string): Promise<TenantDetailDto> {
    const [tenant, events, health] = await Promise.all([
      this.registry.get(tenantId),
      this.registry.history(tenantId),
      this.tokenHealth.find(tenantId),
    ]);
    return {
      ...TenantDto.of(tenant),
      events: events.map((event) => TenantEventDto.of(event)),
      tokenHealth: health ? TokenHealthDto.of(health) : null,
    };
  }

  @Post(':tenantId/verify')
  @HttpCode(202)
  @Access('operator')
  @Audited({ action: 'tenant.verify', targetType: 'tenant', targetParam: 'tenantId' })
  @ApiOperation({ summary: 'Check the tenant’s consent again (a fresh token, its tid and roles), in the background.' })
  @ApiAcceptedResponse({ type: TenantDto, description: 'Verification queued; the tenant as it is now.' })
  async verify(@Param('tenantId', TenantIdPipe) tenantId: string): Promise<TenantDto> {
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
    @Param('tenantId', TenantIdPipe) tenantId: string,
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
    @Param('tenantId', TenantIdPipe) tenantId: string,
    @Body() body: TenantActionBody,
    @CurrentOperator() operator: Operator,
  ): Promise<TenantDto> {
    return TenantDto.of(await this.registry.resume(tenantId, operator.actor, body.note));
  }
}
