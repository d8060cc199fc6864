import { classifyIdentityError } from './identity-error-classifier';

describe('classifyIdentityError', () => {
  it.each([
    ['700016', 'app_not_in_tenant'],
    ['65001', 'consent_missing'],
    ['7000229', 'service_principal_missing'],
    ['90002', 'tenant_not_found'],
    ['90038', 'tenant_in_other_cloud'],
    ['7000112', 'app_disabled'],
    ['53003', 'blocked_by_conditional_access'],
  ])('AADSTS%s concerns the tenant only (%s)', (errorNo, code) => {
    expect(classifyIdentityError({ errorNo, errorCode: 'unauthorized_client', status: 400 })).toEqual({
      scope: 'tenant',
      code,
      aadsts: Number(errorNo),
    });
  });

  it.each(['7000215', '7000222', '700027', '7000274', '700024', '7000214', '7000277', '1000502'])(
    'AADSTS%s rejects the application’s credential, never a tenant',
    (errorNo) => {
      expect(classifyIdentityError({ errorNo, errorCode: 'invalid_client', status: 401 })).toMatchObject({
        scope: 'application',
        credentialRejected: true,
      });
    },
  );

  it('reads throttling from the status, the AADSTS code, or msal’s local refusal', () => {
    expect(classifyIdentityError({ status: 429, retryAfterMs: 5000 })).toEqual({
      scope: 'throttled',
      retryAfterMs: 5000,
      aadsts: undefined,
    });
    expect(classifyIdentityError({ errorNo: '50196', status: 400 })).toMatchObject({ scope: 'throttled' });
    // msal's local refusal carries only AADSTS numbers (or nothing) and no status.
    expect(classifyIdentityError({ errorCode: '', refusedLocally: true })).toMatchObject({ scope: 'throttled' });
  });

  it('treats 5xx, AADSTS90024/50033 and unreachable hosts as transient', () => {
    expect(classifyIdentityError({ status: 503 })).toMatchObject({ scope: 'transient' });
    expect(classifyIdentityError({ errorNo: '90024', status: 400 })).toMatchObject({ scope: 'transient' });
    expect(classifyIdentityError({ errorCode: 'ECONNREFUSED' })).toEqual({
      scope: 'transient',
      code: 'ECONNREFUSED',
      aadsts: undefined,
    });
  });

  it('blames the application, not the credential, for other refusals (a wrong scope)', () => {
    expect(classifyIdentityError({ errorNo: '70011', errorCode: 'invalid_scope', status: 400 })).toEqual({
      scope: 'application',
      code: 'invalid_scope',
      aadsts: 70011,
      credentialRejected: false,
    });
  });
});
