import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import type { DirectoryUserQuery } from '@tenantry/directory-sync';
import { PageQuery } from '../paging/page.query';

export class ListDirectoryUsersQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'Matches, case-insensitively, anywhere in the UPN, display name or mail.',
    maxLength: 200,
    example: 'adele',
  })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  search?: string;

  @ApiPropertyOptional({ description: 'Also list users a sync saw removed.', default: false })
  @IsOptional()
  // A query string is text: only the two words are booleans; anything else fails validation.
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  includeDeleted?: boolean;

  toQuery(): DirectoryUserQuery {
    return { search: this.search, includeDeleted: this.includeDeleted, limit: this.limit, cursor: this.cursor };
  }
}
