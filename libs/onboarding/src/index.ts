export * from './onboarding-callback.service';
export * from './onboarding-link.entity';
export * from './onboarding-links.service';
export * from './onboarding.errors';
export * from './onboarding.module';
export * from './tenant-verification.job';
export * from './tenant-verification.queue';
export * from './tenant-verifier.service';
