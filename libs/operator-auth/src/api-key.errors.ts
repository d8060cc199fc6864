import { DomainError } from '@tenantry/errors';

export class ApiKeyNotFoundError extends DomainError {
  readonly code = 'api_key_not_found';
  readonly kind = 'not_found';

  constructor(id: string) {
    super(`No API key ${id}.`, { apiKeyId: id });
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'unauthenticated';
  readonly kind = 'unauthenticated';

  constructor(detail = 'Send a valid API key as "Authorization: Bearer <key>".') {
    super(detail);
  }
}

export class InsufficientRoleError extends DomainError {
  readonly code = 'insufficient_role';
  readonly kind = 'forbidden';

  constructor(held: string, required: string) {
    super(`This needs the ${required} role; the API key has ${held}.`, { requiredRole: required, role: held });
  }
}

/** This client address failed authentication too often: it waits before trying again. */
export class TooManyFailedAuthenticationsError extends DomainError {
  readonly code = 'too_many_failed_authentications';
  readonly kind = 'rate_limited';

  constructor(retryAfterSeconds: number) {
    super(`Too many failed authentications from this address; try again in ${retryAfterSeconds} s.`, {
      retryAfterSeconds,
    });
  }
}
