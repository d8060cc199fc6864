import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { TENANT_SORTS, TENANT_STATUSES, type TenantSort, TenantStatus } from '@tenantry/tenants';
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

  @ApiPropertyOptional({
    description: 'Only tenants needing attention for these reasons (comma-separated or repeated).',
    isArray: true,
    type: String,
    example: 'consent_revoked,missing_app_roles',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',') : value))
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(/^[a-z][a-z0-9_]{0,63}$/, { each: true, message: 'attentionReason must be snake_case codes' })
  attentionReason?: string[];

  @ApiPropertyOptional({
    enum: TENANT_SORTS,
    default: '-createdAt',
    description: 'Newest first (default), oldest first, or by display name (a leading `-` reverses).',
  })
  @IsOptional()
  @IsIn(TENANT_SORTS)
  sort?: TenantSort;

  @ApiPropertyOptional({ description: 'Matches display name, primary domain or tenant id.', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;
}
