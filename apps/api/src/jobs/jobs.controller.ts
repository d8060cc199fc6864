import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { JobRunQueries, Jobs } from '@tenantry/jobs';
import { Access } from '../access.decorator';
import { Audited } from '../audit/audited.decorator';
import { JobRunIdPipe } from './job-run-id.pipe';
import { JobRunDto, JobRunPageDto } from './job-run.dto';
import { ListJobsQuery } from './list-jobs.query';

const JOB_ID_PARAM = {
  name: 'jobId',
  description: 'The job run id (a positive 64-bit integer).',
  schema: { type: 'string', pattern: '^[1-9][0-9]{0,18}$', example: '42' },
} as const;

@ApiTags('jobs')
@ApiBadRequestResponse({ description: 'Invalid parameters (problem+json).' })
@Controller('api/v1/jobs')
export class JobsController {
  constructor(
    private readonly jobs: Jobs,
    private readonly runs: JobRunQueries,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({ summary: 'Every tenant’s job runs, newest first (keyset-paginated, filterable).' })
  @ApiOkResponse({ type: JobRunPageDto })
  async list(@Query() query: ListJobsQuery): Promise<JobRunPageDto> {
    return JobRunPageDto.of(await this.runs.list(query.toListQuery()));
  }

  @Get(':jobId')
  @Access('viewer')
  @ApiParam(JOB_ID_PARAM)
  @ApiOperation({ summary: 'One job run.' })
  @ApiOkResponse({ type: JobRunDto })
  @ApiNotFoundResponse({ description: 'No such run (problem+json).' })
  async get(@Param('jobId', JobRunIdPipe) id: string): Promise<JobRunDto> {
    return JobRunDto.of(await this.runs.get(id));
  }

  @Post(':jobId/retry')
  @HttpCode(200)
  @Access('operator')
  @Audited({ action: 'job_run.retry', targetType: 'job_run', targetParam: 'jobId', tenantFromResult: 'tenantId' })
  @ApiParam(JOB_ID_PARAM)
  @ApiOperation({ summary: 'Queue a failed or cancelled run again, from its first attempt.' })
  @ApiOkResponse({ type: JobRunDto, description: 'The run, queued again.' })
  @ApiNotFoundResponse({ description: 'No such run (problem+json).' })
  @ApiConflictResponse({
    description: 'The run is not failed or cancelled, or its tenant is offboarded (problem+json).',
  })
  async retry(@Param('jobId', JobRunIdPipe) id: string): Promise<JobRunDto> {
    await this.jobs.retry(id);
    return JobRunDto.of(await this.runs.get(id));
  }

  @Post(':jobId/cancel')
  @HttpCode(200)
  @Access('operator')
  @Audited({ action: 'job_run.cancel', targetType: 'job_run', targetParam: 'jobId', tenantFromResult: 'tenantId' })
  @ApiParam(JOB_ID_PARAM)
  @ApiOperation({
    summary: 'Cancel a run that has not finished; a running one is told to stop within a heartbeat.',
  })
  @ApiOkResponse({ type: JobRunDto, description: 'The run, cancelled.' })
  @ApiNotFoundResponse({ description: 'No such run (problem+json).' })
  @ApiConflictResponse({ description: 'The run has already finished (problem+json).' })
  async cancel(@Param('jobId', JobRunIdPipe) id: string): Promise<JobRunDto> {
    await this.jobs.cancel(id);
    return JobRunDto.of(await this.runs.get(id));
  }
}
