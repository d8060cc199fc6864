import { Body, Controller, Get, HttpCode, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { JobRunQueries, Jobs } from '@tenantry/jobs';
import { CurrentOperator, type Operator } from '@tenantry/operator-auth';
import { TenantRegistry } from '@tenantry/tenants';
import { Access } from '../access.decorator';
import { Audited } from '../audit/audited.decorator';
import { TenantIdParam } from '../tenants/tenant-id.pipe';
import { EnqueueJobBody } from './enqueue-job.body';
import { EnqueuedJobRunDto, JobRunDto, JobRunPageDto } from './job-run.dto';
import { ListJobsQuery } from './list-jobs.query';

@ApiTags('jobs')
@ApiBadRequestResponse({ description: 'Invalid parameters or body (problem+json).' })
@ApiNotFoundResponse({ description: 'No such tenant (problem+json).' })
@Controller('api/v1/tenants/:tenantId/jobs')
export class TenantJobsController {
  constructor(
    private readonly jobs: Jobs,
    private readonly runs: JobRunQueries,
    private readonly tenants: TenantRegistry,
  ) {}

  @Post()
  @HttpCode(202)
  @Access('operator')
  @Audited({ action: 'job_run.enqueue', targetType: 'tenant', targetParam: 'tenantId' })
  @ApiOperation({
    summary: 'Queue a job for the tenant; it runs once the tenant is active and its turn comes.',
    description:
      'An unknown type, or a payload that does not fit the type’s schema or carries what looks like a ' +
      'secret, is refused with 400. With an `idempotencyKey` the tenant has used before, nothing is queued: ' +
      'the earlier run is returned with 200 and `created: false`.',
  })
  @ApiAcceptedResponse({ type: EnqueuedJobRunDto, description: 'Queued.' })
  @ApiOkResponse({ type: EnqueuedJobRunDto, description: 'The idempotency key named an earlier run: that run.' })
  @ApiConflictResponse({
    description: 'The tenant is offboarded, or the idempotency key names a run of another type (problem+json).',
  })
  @ApiTooManyRequestsResponse({ description: 'The tenant has as many queued jobs as it may (problem+json).' })
  async enqueue(
    @TenantIdParam() tenantId: string,
    @Body() body: EnqueueJobBody,
    @CurrentOperator() operator: Operator,
    // The status depends on the outcome, which @HttpCode cannot express.
    @Res() response: Response,
  ): Promise<void> {
    const run = await this.jobs.enqueue(
      tenantId,
      { type: body.type, payload: body.payload, idempotencyKey: body.idempotencyKey },
      { enqueuedBy: `api:${operator.apiKeyId}` },
    );
    const dto: EnqueuedJobRunDto = { ...JobRunDto.of(await this.runs.get(run.id)), created: run.created };
    response.status(run.created ? 202 : 200).json(dto);
  }

  @Get()
  @Access('viewer')
  @ApiOperation({ summary: 'The tenant’s job runs, newest first (keyset-paginated, filterable).' })
  @ApiOkResponse({ type: JobRunPageDto })
  async list(@TenantIdParam() tenantId: string, @Query() query: ListJobsQuery): Promise<JobRunPageDto> {
    // An unknown tenant is a 404, not an empty history.
    const tenant = await this.tenants.get(tenantId);
    return JobRunPageDto.of(await this.runs.list(query.toListQuery(tenant.tenantId)));
  }
}
