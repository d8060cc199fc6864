import { DomainError } from '@tenantry/errors';

export class ReturnUrlNotAllowedError extends DomainError {
  readonly code = 'return_url_not_allowed';
  readonly kind = 'invalid';

  constructor(returnUrl: string) {
    super(`The return URL ${returnUrl} is not on the allowed origins (ONBOARDING_RETURN_URL_ORIGINS).`);
  }
}

export class OnboardingLinkNotFoundError extends DomainError {
  readonly code = 'onboarding_link_not_found';
  readonly kind = 'not_found';

  constructor(id: string) {
    super(`No onboarding link ${id}.`, { onboardingLinkId: id });
  }
}
