import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export class TenantActionBody {
  @ApiPropertyOptional({ description: 'Why, in the operator’s words; kept in the tenant’s events.', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @Matches(/^(?:[^\p{Cc}\p{Cs}]|[\t\n\r])*$/u, {
    message: 'note must not contain control characters or lone surrogates',
  })
  note?: string;
}
