import { DomainError } from '@tenantry/errors';

/**
 * The identity platform refused this tenant: consent missing or revoked, tenant gone, app
 * disabled there, or a policy blocks the app. Only this tenant is affected.
 */
export class TenantAccessError extends DomainError {
  readonly kind = 'conflict';

  constructor(
    readonly tenantId: string,
    /** Stable reason, e.g. `consent_missing`; stored as the tenant's attention reason. */
    readonly code: string,
    readonly aadsts: number | undefined,
  ) {
    super(`The identity platform refused tenant ${tenantId}: ${code}${aadsts ? ` (AADSTS${aadsts})` : ''}.`, {
      tenantId,
      aadsts,
    });
  }
}

/**
 * The identity platform refused the application's own credential (invalid or expired secret,
 * bad or revoked certificate): every tenant is affected, none is to blame.
 */
export class ApplicationCredentialError extends DomainError {
  readonly kind = 'unavailable';

  constructor(
    readonly code: string,
    readonly aadsts: number | undefined,
  ) {
    super(
      `The identity platform rejected the application's credential: ${code}${aadsts ? ` (AADSTS${aadsts})` : ''}.`,
      {
        aadsts,
      },
    );
  }
}

/** The identity platform throttled requests for this tenant; try again after `retryAfterMs`. */
export class IdentityThrottledError extends DomainError {
  readonly code = 'identity_throttled';
  readonly kind = 'unavailable';

  constructor(
    readonly tenantId: string,
    readonly retryAfterMs: number,
  ) {
    super(`The identity platform throttled token requests for tenant ${tenantId}; retry in ${retryAfterMs} ms.`, {
      tenantId,
      retryAfterMs,
    });
  }
}

/** The identity platform could not be reached or failed, even after retries. */
export class IdentityUnavailableError extends DomainError {
  readonly code = 'identity_unavailable';
  readonly kind = 'unavailable';

  constructor(
    readonly tenantId: string,
    readonly cause_: string,
  ) {
    super(`The identity platform is unavailable for tenant ${tenantId}: ${cause_}.`, { tenantId });
  }
}

/** Tokens are only issued for tenants in the registry that are not offboarded. */
export class TenantNotServedError extends DomainError {
  readonly code = 'tenant_not_served';
  readonly kind = 'conflict';

  constructor(
    readonly tenantId: string,
    status: string,
  ) {
    super(`No tokens are issued for tenant ${tenantId}: it is ${status}.`, { tenantId, status });
  }
}
