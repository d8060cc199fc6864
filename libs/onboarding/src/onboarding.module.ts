import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GraphModule } from '@tenantry/graph';
import { IdentityModule } from '@tenantry/identity';
import { TenantsModule } from '@tenantry/tenants';
import { OnboardingCallback } from './onboarding-callback.service';
import { OnboardingLink } from './onboarding-link.entity';
import { OnboardingLinks } from './onboarding-links.service';
import { TenantVerificationQueue } from './tenant-verification.queue';
import { TenantVerifier } from './tenant-verifier.service';

/** Admin-consent onboarding. Needs `RuntimeModule` (config, identity platform, database). */
@Module({
  imports: [TenantsModule, IdentityModule, GraphModule, TypeOrmModule.forFeature([OnboardingLink])],
  providers: [OnboardingLinks, OnboardingCallback, TenantVerificationQueue, TenantVerifier],
  exports: [OnboardingLinks, OnboardingCallback, TenantVerificationQueue, TenantVerifier],
})
export class OnboardingModule {}
