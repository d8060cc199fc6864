import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { JOB_RUN_STATUSES, type JobRunStatus } from '@tenantry/jobs';

export class ListJobsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50, description: 'Page size.' })
  // With stopAtFirstError, validators run from the one nearest the property up: type first.
  @IsOptional()
  @Type(() => Number)
  @Max(200)
  @Min(1)
  @IsInt()
  limit: number = 50;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @MaxLength(512)
  @IsString()
  cursor?: string;

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
}
