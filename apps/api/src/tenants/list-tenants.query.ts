import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { TENANT_STATUSES, TenantStatus } from '@tenantry/tenants';

export class ListTenantsQuery {
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
  @IsString()
  @MaxLength(512)
  cursor?: string;

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
