import { randomUUID } from 'node:crypto';
import { DEMO_REQUIRED_ROLES } from '@tenantry/entra-sim';
import { TenantRegistry } from '@tenantry/tenants';
import { startTestApp, TestApp } from '@tenantry/testing';

/**
 * From the callback to `active`: verification proves the consent with a token for the tenant
 * (its tid and roles), retrying while consent propagates, through the real worker and queue.
 */
describe('admin-consent onboarding: verification', () => {
  let platform: TestApp;
  let operator: string;
  let registry: TenantRegistry;

  beforeAll(async () => {
    platform = await startTestApp({
      env: { ONBOARDING_VERIFY_ATTEMPTS: '4', ONBOARDING_VERIFY_FIRST_DELAY_MS: '300' },
    });
    operator = await platform.keyFor('operator');
    registry = platform.app.get(TenantRegistry);
  });

  afterAll(() => platform.close());

  /** A customer directory in the simulator, and its admin's consent (some or all roles). */
  const directory = (roles?: string[], propagationDelayMs = 0, consent = true) => {
    const tenantId = randomUUID();
    platform.sim.state.upsertTenant({
      tenantId,
      displayName: 'Customer',
      domain: `c${tenantId.slice(0, 8)}.onmicrosoft.com`,
    });
    if (consent) platform.sim.state.grantConsent(tenantId, platform.sim.demo.clientId, roles, { propagationDelayMs });
    return tenantId;
  };

  const onboard = async (tenantId: string) => {
    const created = await fetch(`${platform.baseUrl}/api/v1/onboarding-links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const { url } = (await created.json()) as { url: string };
    const state = new URL(url).searchParams.get('state') as string;
    const query = new URLSearchParams({ admin_consent: 'True', tenant: tenantId, state });
    expect((await fetch(`${platform.baseUrl}/onboarding/callback?${query.toString()}`)).status).toBe(200);
  };

  const settled = async (tenantId: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const tenant = await registry.get(tenantId);
      if (tenant.status !== 'pending' || Date.now() > deadline) return tenant;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  it('makes a tenant active once a token proves its tid and every required role', async () => {
    const tenantId = directory();
    await onboard(tenantId);
    const tenant = await settled(tenantId);
    expect(tenant).toMatchObject({ status: 'active', grantedRoles: expect.arrayContaining(DEMO_REQUIRED_ROLES) });
    expect(tenant.verifiedAt).toBeInstanceOf(Date);
    // Read from the directory itself (Graph's organization), so operators can find it by them.
    expect(tenant).toMatchObject({
      displayName: 'Customer',
      primaryDomain: `c${tenantId.slice(0, 8)}.onmicrosoft.com`,
    });
    const reasons = (await registry.history(tenantId)).map((event) => event.reason);
    expect(reasons).toEqual(['consent_verified', 'admin_consent_received']);
  });

  it('names the missing roles when the admin granted only some', async () => {
    const tenantId = directory([DEMO_REQUIRED_ROLES[0]]);
    await onboard(tenantId);
    const tenant = await settled(tenantId);
    expect(tenant).toMatchObject({ status: 'needs_attention', attentionReason: 'missing_app_roles' });
    const [event] = await registry.history(tenantId);
    expect(event.details).toMatchObject({ missingRoles: [DEMO_REQUIRED_ROLES[1]] });
  });

  it('retries while consent propagates, then goes live', async () => {
    const tenantId = directory(undefined, 1200);
    await onboard(tenantId);
    expect((await settled(tenantId)).status).toBe('active');
  });

  it('fails a forged callback for a directory that never consented, and says why', async () => {
    const tenantId = directory(undefined, 0, false);
    await onboard(tenantId);
    const tenant = await settled(tenantId, 30_000);
    expect(tenant).toMatchObject({ status: 'needs_attention', attentionReason: 'consent_not_effective' });
    const [event] = await registry.history(tenantId);
    expect(event).toMatchObject({
      reason: 'consent_not_effective',
      details: { code: 'app_not_in_tenant', aadsts: 700016 },
    });
  });

  it('lets an operator re-verify a tenant', async () => {
    const tenantId = directory([DEMO_REQUIRED_ROLES[0]]);
    await onboard(tenantId);
    expect((await settled(tenantId)).status).toBe('needs_attention');
    // The admin grants the missing role; the operator asks for verification again.
    platform.sim.state.grantConsent(tenantId, platform.sim.demo.clientId, DEMO_REQUIRED_ROLES);
    const response = await fetch(`${platform.baseUrl}/api/v1/tenants/${tenantId}/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(response.status).toBe(202);
    const deadline = Date.now() + 20_000;
    while ((await registry.get(tenantId)).status !== 'active' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await registry.get(tenantId)).status).toBe('active');
  });
});
