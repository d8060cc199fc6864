import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfidentialClientApplication } from '@azure/msal-node';
import type { Browser, Page } from 'playwright-core';
import { HttpsCaNetworkModule, startEntraSim, type RunningEntraSim } from '@tenantry/entra-sim';
import { launchChromium } from '@tenantry/testing';

describe('entra-sim admin consent page in Chromium', () => {
  let sim: RunningEntraSim;
  let browser: Browser;
  let callbackServer: Server;
  let callbackBase: string;
  const callbacks: URL[] = [];
  let network: HttpsCaNetworkModule;

  beforeAll(async () => {
    sim = await startEntraSim();
    network = new HttpsCaNetworkModule({ ca: sim.caCertPem });
    // The client's redirect URI: a plain http loopback server, as the platform's callback is.
    callbackServer = createServer((req, res) => {
      callbacks.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
      res.writeHead(200, { 'content-type': 'text/html' }).end('<title>callback</title>received');
    });
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    callbackBase = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/onboarding/callback`;
    browser = await launchChromium(sim.port);
  });

  afterAll(async () => {
    await browser?.close();
    network?.destroy();
    await new Promise((resolve) => callbackServer?.close(resolve));
    await sim?.stop();
  });

  function consentUrl(redirectUri: string, state: string, tenant = 'organizations'): string {
    const query = new URLSearchParams({
      client_id: sim.demo.clientId,
      scope: 'https://graph.microsoft.com/.default',
      redirect_uri: redirectUri,
      state,
    });
    return `${sim.authorityHost}/${tenant}/v2.0/adminconsent?${query}`;
  }

  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    return context.newPage();
  }

  it('approve: the admin picks a tenant and lands on the redirect URI with admin_consent, tenant, scope and state', async () => {
    const northwind = sim.demo.tenants.find((t) => !t.consented)!;
    const page = await newPage();
    await page.goto(consentUrl(callbackBase, 'state-approve-1'));
    await expect(page.locator('#app-name').textContent()).resolves.toBe('Tenantry demo app');
    await page.check(`input[name="tenant"][value="${northwind.tenantId}"]`);
    await Promise.all([page.waitForURL(/\/onboarding\/callback/), page.click('#accept')]);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('admin_consent')).toBe('True');
    expect(landed.searchParams.get('tenant')).toBe(northwind.tenantId);
    expect(landed.searchParams.get('scope')).toBe(
      'https://graph.microsoft.com/Directory.Read.All https://graph.microsoft.com/User.Read.All',
    );
    expect(landed.searchParams.get('state')).toBe('state-approve-1');
    expect(landed.searchParams.get('error')).toBeNull();
    await page.context().close();

    // The consent is real: the tenant now issues tokens to the app.
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: sim.demo.clientId,
        clientSecret: sim.demo.clientSecret,
        authority: `${sim.authorityHost}/${northwind.tenantId}`,
        knownAuthorities: [sim.knownAuthority],
      },
      system: { networkClient: network },
    });
    await expect(
      app.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] }),
    ).resolves.toBeTruthy();
  });

  it('cancel: lands on the redirect URI with error=access_denied, AADSTS65004 and the state', async () => {
    const page = await newPage();
    await page.goto(consentUrl(callbackBase, 'state-cancel-2', sim.demo.tenants[1].domain));
    await Promise.all([page.waitForURL(/\/onboarding\/callback/), page.click('#cancel')]);
    const landed = new URL(page.url());
    expect(landed.searchParams.get('error')).toBe('access_denied');
    expect(landed.searchParams.get('error_description')).toMatch(/^AADSTS65004: /);
    expect(landed.searchParams.get('state')).toBe('state-cancel-2');
    await page.context().close();
  });

  it('a redirect URI that is not registered shows an error page and never redirects', async () => {
    const before = callbacks.length;
    const page = await newPage();
    const response = await page.goto(consentUrl('http://127.0.0.1:1/elsewhere', 'state-3'));
    expect(response?.status()).toBe(400);
    await expect(page.locator('#error-code').textContent()).resolves.toContain('AADSTS50011');
    expect(new URL(page.url()).origin).toBe(sim.authorityHost);
    expect(callbacks.length).toBe(before);
    await page.context().close();
  });
});
