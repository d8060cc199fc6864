import { DomainError } from '@tenantry/errors';
import type { TenantStatus } from './tenant-status';

export class TenantNotFoundError extends DomainError {
  readonly code = 'tenant_not_found';
  readonly kind = 'not_found';

  constructor(readonly tenantId: string) {
    super(`No tenant ${tenantId} is registered.`, { tenantId });
  }
}

export class IllegalTenantTransitionError extends DomainError {
  readonly code = 'illegal_tenant_transition';
  readonly kind = 'conflict';

  constructor(tenantId: string, from: TenantStatus, to: TenantStatus) {
    super(`Tenant ${tenantId} cannot go from ${from} to ${to}.`, { tenantId, from, to });
  }
}

export class TenantVersionConflictError extends DomainError {
  readonly code = 'tenant_version_conflict';
  readonly kind = 'conflict';

  constructor(tenantId: string, expected: number, actual: number) {
    super(`Tenant ${tenantId} changed meanwhile (version ${actual}, expected ${expected}); reload and retry.`, {
      tenantId,
      expectedVersion: expected,
      actualVersion: actual,
    });
  }
}

/** A query on tenant data without a valid tenant id: a bug, never a request to see everything. */
export class MissingTenantScopeError extends DomainError {
  readonly code = 'missing_tenant_scope';
  readonly kind = 'invalid';

  constructor(received: unknown) {
    super(`A tenant-scoped query needs a tenant id (a GUID); got ${JSON.stringify(received) ?? String(received)}.`);
  }
}

/** Offboarding purges a tenant's data: the request must name the tenant a second time. */
export class OffboardingNotConfirmedError extends DomainError {
  readonly code = 'offboarding_not_confirmed';
  readonly kind = 'invalid';

  constructor(tenantId: string) {
    super(`To offboard tenant ${tenantId}, repeat its id as confirmTenantId.`, { tenantId });
  }
}
