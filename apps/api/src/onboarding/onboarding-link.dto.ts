import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import type { OnboardingLink } from '@tenantry/onboarding';

export class CreateOnboardingLinkBody {
  @ApiPropertyOptional({ format: 'uuid', description: 'The customer directory the link is for, if known.' })
  @IsOptional()
  @IsUUID('all')
  tenantHint?: string;

  @ApiPropertyOptional({ description: 'Where to send the admin after consent; its origin must be allowed.' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  returnUrl?: string;
}

export class OnboardingLinkDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  tenantHint!: string | null;

  @ApiProperty({ type: String, nullable: true })
  returnUrl!: string | null;

  @ApiProperty({ example: 'api-key:1b4e28ba-2fa1-11d2-883f-0016d3cca427' })
  createdBy!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ enum: ['open', 'used', 'expired', 'revoked'] })
  status!: 'open' | 'used' | 'expired' | 'revoked';

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  usedByTenant!: string | null;

  static of(link: OnboardingLink): OnboardingLinkDto {
    const status = link.usedAt
      ? 'used'
      : link.revokedAt
        ? 'revoked'
        : link.expiresAt <= new Date()
          ? 'expired'
          : 'open';
    return {
      id: link.id,
      tenantHint: link.tenantHint,
      returnUrl: link.returnUrl,
      createdBy: link.createdBy,
      createdAt: link.createdAt.toISOString(),
      expiresAt: link.expiresAt.toISOString(),
      status,
      usedByTenant: link.usedByTenant,
    };
  }
}

export class CreatedOnboardingLinkDto extends OnboardingLinkDto {
  @ApiProperty({
    description: 'The admin-consent URL for the customer’s admin. Shown once: it carries the one-time state.',
  })
  url!: string;
}
