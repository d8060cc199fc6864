/** The verification job: a persisted contract (jobs in flight carry it); never rename. */
export const VERIFY_TENANT_JOB = 'verify-tenant';

export interface VerifyTenantPayload {
  readonly tenantId: string;
  /** Why verification runs: a consent callback, a re-consent, or an operator. */
  readonly trigger: 'consent' | 'operator';
}
