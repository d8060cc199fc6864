import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDateString, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { JOB_RUN_STATUSES, type JobRunListQuery, type JobRunStatus } from '@tenantry/jobs';
import { PageQuery } from '../paging/page.query';

export class ListJobsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only runs of this job type.', maxLength: 200, example: 'tenant.token-check' })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  type?: string;

  @ApiPropertyOptional({
    description: 'Only these statuses (comma-separated or repeated).',
    enum: JOB_RUN_STATUSES,
    isArray: true,
    example: 'failed,cancelled',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',') : value))
  @IsIn(JOB_RUN_STATUSES, { each: true })
  @ArrayMaxSize(JOB_RUN_STATUSES.length)
  @IsArray()
  status?: JobRunStatus[];

  @ApiPropertyOptional({ format: 'date-time', description: 'Enqueued at or after this instant.' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Enqueued before this instant.' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;

  /** The history query these parameters ask for, within one tenant or across all. */
  toListQuery(tenantId?: string): JobRunListQuery {
    return {
      tenantId,
      type: this.type,
      status: this.status,
      from: this.from === undefined ? undefined : new Date(this.from),
      to: this.to === undefined ? undefined : new Date(this.to),
      limit: this.limit,
      cursor: this.cursor,
    };
  }
}
