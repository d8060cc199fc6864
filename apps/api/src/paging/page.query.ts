import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

/** `?limit&cursor` of every keyset-paginated list; a list's query class adds its filters. */
export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50, description: 'Page size.' })
  // With stopAtFirstError, validators run from the one nearest the property up: type first.
  @IsOptional()
  // Decimal digits only: Number() would also read `0x10`, `1e2` or ` 5` as a page size.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value,
  )
  @Max(200)
  @Min(1)
  @IsInt()
  limit: number = 50;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.', maxLength: 512 })
  @IsOptional()
  @MaxLength(512)
  @IsString()
  cursor?: string;
}
