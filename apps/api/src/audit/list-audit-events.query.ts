import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDateString,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';
import type { AuditQuery } from '@tenantry/audit';
import { PageQuery } from '../paging/page.query';

export class ListAuditEventsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Only what touched this tenant.' })
  @IsOptional()
  @IsUUID('all')
  tenantId?: string;

  @ApiPropertyOptional({
    description: 'Only what this actor did.',
    example: 'api-key:1b4e28ba-2fa1-11d2-883f-0016d3cca427',
  })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  actor?: string;

  @ApiPropertyOptional({
    description: 'Only these actions (comma-separated or repeated).',
    isArray: true,
    type: String,
    example: 'tenant.pause,tenant.offboard',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',') : value))
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, { each: true, message: 'action must be dotted snake_case verbs' })
  action?: string[];

  @ApiPropertyOptional({ enum: ['success', 'failure'] })
  @IsOptional()
  @IsIn(['success', 'failure'])
  outcome?: 'success' | 'failure';

  @ApiPropertyOptional({ format: 'date-time', description: 'At or after this instant.' })
  @IsOptional()
  @IsDateString({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Before this instant.' })
  @IsOptional()
  @IsDateString({ strict: true })
  to?: string;

  toQuery(): AuditQuery {
    return {
      tenantId: this.tenantId,
      actor: this.actor,
      action: this.action,
      outcome: this.outcome,
      from: this.from === undefined ? undefined : new Date(this.from),
      to: this.to === undefined ? undefined : new Date(this.to),
      limit: this.limit,
      cursor: this.cursor,
    };
  }
}
