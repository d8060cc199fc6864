import { Foundation1764000000000 } from './1764000000000-foundation';
import { TokenCache1764000001000 } from './1764000001000-token-cache';
import { TokenHealth1764000002000 } from './1764000002000-token-health';
import { OnboardingLinks1764000003000 } from './1764000003000-onboarding-links';
import { JobRuntime1764000004000 } from './1764000004000-job-runtime';
import { JobSchedules1764000005000 } from './1764000005000-job-schedules';
import { DirectorySync1764000007000 } from './1764000007000-directory-sync';
import { TenantListing1764000008000 } from './1764000008000-tenant-listing';

/**
 * Every migration, in order. Listed rather than globbed so the same list works from sources
 * (tests), from `dist/` and inside a bundle. Migrations are generated, reviewed, never edited
 * once they have shipped: add a new one instead.
 */
export const ALL_MIGRATIONS = [
  Foundation1764000000000,
  TokenCache1764000001000,
  TokenHealth1764000002000,
  OnboardingLinks1764000003000,
  JobRuntime1764000004000,
  JobSchedules1764000005000,
  DirectorySync1764000007000,
  TenantListing1764000008000,
];
