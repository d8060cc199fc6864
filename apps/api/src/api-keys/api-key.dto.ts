import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { OPERATOR_ROLES, type ApiKey, type OperatorRole } from '@tenantry/operator-auth';

export class CreateApiKeyBody {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'dashboard' })
  // With stopAtFirstError, validators run from the one nearest the property up: an empty name
  // is told it is empty, not that it holds control characters.
  @Matches(/^[^\p{Cc}\p{Cs}]+$/u, { message: 'name must not contain control characters or lone surrogates' })
  @Length(1, 100)
  @IsString()
  name!: string;

  @ApiProperty({ enum: OPERATOR_ROLES })
  @IsIn(OPERATOR_ROLES)
  role!: OperatorRole;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the key stops working; never if omitted.' })
  @IsOptional()
  @IsDateString({ strict: true })
  expiresAt?: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'dashboard' })
  name!: string;

  @ApiProperty({ enum: OPERATOR_ROLES })
  role!: OperatorRole;

  @ApiProperty({ description: 'The non-secret start of the key.', example: 'tnty_Xk2v9QaB' })
  prefix!: string;

  @ApiProperty({ example: 'cli' })
  createdBy!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastUsedAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt!: string | null;

  static of(apiKey: ApiKey): ApiKeyDto {
    return {
      id: apiKey.id,
      name: apiKey.name,
      role: apiKey.role,
      prefix: apiKey.prefix,
      createdBy: apiKey.createdBy,
      createdAt: apiKey.createdAt.toISOString(),
      lastUsedAt: apiKey.lastUsedAt?.toISOString() ?? null,
      expiresAt: apiKey.expiresAt?.toISOString() ?? null,
      revokedAt: apiKey.revokedAt?.toISOString() ?? null,
    };
  }
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key. Shown this once; Tenantry keeps only its hash.' })
  key!: string;
}
