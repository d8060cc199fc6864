import type { Browser, Page } from 'playwright-core';
import { randomUUID } from 'node:crypto';
import { DEMO_REQUIRED_ROLES } from '@tenantry/entra-sim';
import { Tenant, TenantRegistry } from '@tenantry/tenants';
import { freePort, launchChromium, startTestApp, TestApp } from '@tenantry/testing';

/** An operator's link, a customer's admin in a real browser, the simulator's consent page. */
describe('admin-consent onboarding in Chromium', () => {
  let platform: TestApp;
  let browser: Browser;
  let operator: string;

  beforeAll(async () => {
    // The redirect URI is built from PUBLIC_BASE_URL, so the platform listens where it says.
    const port = await freePort();
    platform = await startTestApp({
      env: { PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`, ONBOARDING_VERIFY_FIRST_DELAY_MS: '200' },
    });
    operator = await platform.keyFor('operator');
    browser = await launchChromium(platform.sim.port);
  });

  afterAll(async () => {
    await browser?.close();
    await platform?.close();
  });

  const link = async (): Promise<string> => {
    const response = await fetch(`${platform.baseUrl}/api/v1/onboarding-links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: '{}',
    });
    return ((await response.json()) as { url: string }).url;
  };

  const consentPage = async (url: string): Promise<Page> => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(url);
    return page;
  };

  it('approve: the tenant is recorded, verified and active, with its events', async () => {
    const northwind = platform.sim.demo.tenants.find((tenant) => !tenant.consented);
    if (!northwind) throw new Error('the demo directory has a tenant without consent');
    const page = await consentPage(await link());
    await page.check(`input[name="tenant"][value="${northwind.tenantId}"]`);
    await Promise.all([page.waitForURL(/\/onboarding\/callback/), page.click('#accept')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Consent received');

    const registry = platform.app.get(TenantRegistry);
    const deadline = Date.now() + 20_000;
    while ((await registry.get(northwind.tenantId)).status !== 'active' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await registry.get(northwind.tenantId)).status).toBe('active');
    const reasons = (await registry.history(northwind.tenantId)).map((event) => event.reason);
    expect(reasons).toEqual(['consent_verified', 'admin_consent_received']);
    await page.context().close();
  });

  it('cancel: a clear page, and no tenant', async () => {
    const [, fabrikam] = platform.sim.demo.tenants;
    const page = await consentPage(await link());
    await page.check(`input[name="tenant"][value="${fabrikam.tenantId}"]`);
    await Promise.all([page.waitForURL(/\/onboarding\/callback/), page.click('#cancel')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Consent was not given');
    await expect(platform.app.get(TenantRegistry).get(fabrikam.tenantId)).rejects.toMatchObject({
      code: 'tenant_not_found',
    });
    await page.context().close();
  });

  /** Approves in the browser for a tenant the simulator adds for the test, returns its id. */
  const approveFor = async (name: string, prepare: (tenantId: string) => void): Promise<string> => {
    const tenantId = randomUUID();
    platform.sim.state.upsertTenant({ tenantId, displayName: name, domain: `${name.toLowerCase()}.example` });
    prepare(tenantId);
    const page = await consentPage(await link());
    await page.check(`input[name="tenant"][value="${tenantId}"]`);
    await Promise.all([page.waitForURL(/\/onboarding\/callback/), page.click('#accept')]);
    await expect(page.locator('h1').textContent()).resolves.toBe('Consent received');
    await page.context().close();
    return tenantId;
  };

  const settled = async (tenantId: string): Promise<Tenant> => {
    const registry = platform.app.get(TenantRegistry);
    const deadline = Date.now() + 20_000;
    let tenant = await registry.get(tenantId);
    while (tenant.status === 'pending' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      tenant = await registry.get(tenantId);
    }
    return tenant;
  };

  it('partial consent: a tenant whose policy grants only some roles needs attention, naming them', async () => {
    const [required, ...others] = DEMO_REQUIRED_ROLES;
    const tenantId = await approveFor('Partial', (id) => platform.sim.state.setGrantableRoles(id, others));
    const tenant = await settled(tenantId);
    expect(tenant).toMatchObject({ status: 'needs_attention', attentionReason: 'missing_app_roles' });
    const [event] = await platform.app.get(TenantRegistry).history(tenantId);
    expect(event.details).toMatchObject({ missingRoles: [required] });
  });

  it('consent that propagates after a delay: pending first, then active once it takes effect', async () => {
    const directory = platform.sim.state;
    const before = directory.getConsentPropagationDelay();
    directory.setConsentPropagationDelay(1500);
    try {
      const consentedAt = Date.now();
      const tenantId = await approveFor('Slowpoke', () => undefined);
      expect((await platform.app.get(TenantRegistry).get(tenantId)).status).toBe('pending');
      const tenant = await settled(tenantId);
      expect(tenant.status).toBe('active');
      expect(Date.now() - consentedAt).toBeGreaterThanOrEqual(1500);
    } finally {
      directory.setConsentPropagationDelay(before);
    }
  });
});
