import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

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

export class OffboardTenantBody extends TenantActionBody {
  @ApiProperty({
    format: 'uuid',
    description: 'The tenant id again, to confirm: offboarding purges the tenant’s data.',
    example: '72f988bf-86f1-41af-91ab-2d7cd011db47',
  })
  @IsUUID('all')
  @IsString()
  confirmTenantId!: string;
}
