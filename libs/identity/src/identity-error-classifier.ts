/**
 * What an identity-platform failure means for the platform, decided from the error's AADSTS
 * number, OAuth `error` code and HTTP status — never from its text (DESIGN.md, checked facts).
 */
export type IdentityFailure =
  | { readonly scope: 'tenant'; readonly code: string; readonly aadsts: number | undefined }
  | {
      readonly scope: 'application';
      readonly code: string;
      readonly aadsts: number | undefined;
      /** The credential itself was refused (not, say, the scope): a secondary credential may help. */
      readonly credentialRejected: boolean;
    }
  | { readonly scope: 'throttled'; readonly retryAfterMs: number | undefined; readonly aadsts: number | undefined }
  | { readonly scope: 'transient'; readonly code: string; readonly aadsts: number | undefined };

const TENANT_SCOPED: Readonly<Record<number, string>> = {
  700016: 'app_not_in_tenant',
  65001: 'consent_missing',
  90094: 'consent_missing',
  7000229: 'service_principal_missing',
  90002: 'tenant_not_found',
  90038: 'tenant_in_other_cloud',
  7000112: 'app_disabled',
  70001: 'app_disabled',
  53003: 'blocked_by_conditional_access',
};

// One bad credential must not flag every tenant: these name the application, not the tenant.
const APPLICATION_SCOPED: Readonly<Record<number, string>> = {
  7000215: 'invalid_client_secret',
  7000222: 'client_secret_expired',
  700027: 'invalid_client_assertion',
  7000274: 'invalid_client_assertion',
  700024: 'client_assertion_time_invalid',
  7000214: 'certificate_revoked',
  7000277: 'certificate_revoked',
  1000502: 'certificate_not_valid',
};

const THROTTLED = new Set([50196, 90055]);
const TRANSIENT = new Set([90024, 50033]);

export interface IdentityErrorFacts {
  /** msal's `errorNo`: the AADSTS number as a string, when the server sent one. */
  readonly errorNo?: string;
  /** The OAuth `error` code (server errors) or msal's own code (local errors). */
  readonly errorCode?: string;
  /** HTTP status of the token response, when there was one. */
  readonly status?: number;
  /** `Retry-After` of the token response, in milliseconds, when there was one. */
  readonly retryAfterMs?: number;
  /** msal answered with a server error without sending any request: its local throttle. */
  readonly refusedLocally?: boolean;
}

export function classifyIdentityError(facts: IdentityErrorFacts): IdentityFailure {
  // msal refuses a request locally, without any network call, while a 429 or 5xx it saw is fresh
  // (its error then carries only the AADSTS numbers, if any): that is throttling.
  if (facts.refusedLocally) return { scope: 'throttled', retryAfterMs: undefined, aadsts: undefined };
  const aadsts = facts.errorNo && /^\d+$/.test(facts.errorNo) ? Number(facts.errorNo) : undefined;
  if (aadsts !== undefined && TENANT_SCOPED[aadsts]) return { scope: 'tenant', code: TENANT_SCOPED[aadsts], aadsts };
  if (aadsts !== undefined && APPLICATION_SCOPED[aadsts]) {
    return { scope: 'application', code: APPLICATION_SCOPED[aadsts], aadsts, credentialRejected: true };
  }
  // msal answers a throttled request locally (no network) with the status as a string code.
  if (facts.status === 429 || facts.errorCode === '429' || (aadsts !== undefined && THROTTLED.has(aadsts))) {
    return { scope: 'throttled', retryAfterMs: facts.retryAfterMs, aadsts };
  }
  if (
    (aadsts !== undefined && TRANSIENT.has(aadsts)) ||
    (facts.status !== undefined && facts.status >= 500) ||
    (facts.errorCode !== undefined && /^5\d\d$/.test(facts.errorCode))
  ) {
    return { scope: 'transient', code: 'identity_platform_error', aadsts };
  }
  // Any other refusal (invalid_client, invalid_scope, an AADSTS we do not know) is about how the
  // application asks, the same for every tenant: flag the application, not the tenant.
  if ((facts.status !== undefined && facts.status >= 400) || aadsts !== undefined) {
    return { scope: 'application', code: facts.errorCode || 'request_refused', aadsts, credentialRejected: false };
  }
  // No response at all (connection refused, reset, timeout, DNS): the platform is unreachable.
  return { scope: 'transient', code: facts.errorCode || 'network_error', aadsts };
}
