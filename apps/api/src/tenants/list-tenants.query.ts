import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { TENANT_STATUSES, TenantStatus } from '@tenantry/tenants';
import { PageQuery } from '../paging/page.query';

export class ListTenantsQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'Only these statuses (comma-separated or repeated).',
    enum: TENANT_STATUSES,
    isArray: true,
    example: 'active,needs_attention',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',') : value))
  @IsArray()
  @ArrayMaxSize(TENANT_STATUSES.length)
  @IsIn(TENANT_STATUSES, { each: true })
  status?: TenantStatus[];

  @ApiPropertyOptional({ description: 'Matches display name, primary domain or tenant id.', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;
}
