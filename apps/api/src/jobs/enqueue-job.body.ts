import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';

export class EnqueueJobBody {
  @ApiProperty({
    description: 'A job type (see GET /api/v1/job-types).',
    minLength: 1,
    maxLength: 200,
    example: 'tenant.token-check',
  })
  // With stopAtFirstError, validators run from the one nearest the property up: type first.
  @Length(1, 200)
  @IsString()
  type!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'Validated against the type’s payload schema; `{}` when omitted. Stored in clear and shown to ' +
      'operators: never a secret or a token.',
    example: { forceRefresh: true },
  })
  @IsOptional()
  @IsObject()
  payload?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'Per tenant: enqueueing again with the same key returns the first run instead of a new one.',
    minLength: 1,
    maxLength: 200,
    pattern: '^[A-Za-z0-9._:-]+$',
    example: 'nightly-check:2025-05-01',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._:-]+$/, { message: 'idempotencyKey may only contain letters, digits and . _ : -' })
  @Length(1, 200)
  @IsString()
  idempotencyKey?: string;
}
