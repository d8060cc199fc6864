import { DomainError } from '@tenantry/errors';

/**
 * Another sync took the tenant's round over (this one outlived its lease), or the tenant's
 * directory was purged (offboarded): this sync's writes would be stale, so none were made.
 */
export class DirectoryRoundSupersededError extends DomainError {
  readonly code = 'directory_round_superseded';
  readonly kind = 'conflict';

  constructor(tenantId: string) {
    super(`The directory sync round of tenant ${tenantId} is no longer this run's; it stopped without writing.`, {
      tenantId,
    });
  }
}
