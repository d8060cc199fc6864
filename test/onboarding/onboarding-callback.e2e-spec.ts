import { randomUUID } from 'node:crypto';
import { TenantVerificationQueue } from '@tenantry/onboarding';
import { startTestApp, TestApp } from '@tenantry/testing';

interface CreatedLink {
  id: string;
  url: string;
  status: string;
}

describe('admin-consent onboarding: links and the callback', () => {
  let platform: TestApp;
  let operator: string;

  beforeAll(async () => {
    platform = await startTestApp({ env: { ONBOARDING_RETURN_URL_ORIGINS: 'https://portal.example.com' } });
    operator = await platform.keyFor('operator');
  });

  afterAll(() => platform.close());

  const createLink = async (body: Record<string, unknown> = {}) => {
    const response = await fetch(`${platform.baseUrl}/api/v1/onboarding-links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as CreatedLink & { code?: string } };
  };
  const stateOf = (link: CreatedLink) => new URL(link.url).searchParams.get('state') as string;
  const callback = (query: Record<string, string>) =>
    fetch(`${platform.baseUrl}/onboarding/callback?${new URLSearchParams(query).toString()}`, { redirect: 'manual' });
  const registryCounts = async () => {
    const [row] = await platform.dataSource.query<{ tenants: string; events: string }[]>(
      'SELECT (SELECT count(*) FROM tenants) AS tenants, (SELECT count(*) FROM tenant_events) AS events',
    );
    return row;
  };

  it('makes a link to the v2 admin-consent endpoint whose state is kept only as a hash', async () => {
    const { status, body } = await createLink();
    expect(status).toBe(201);
    const url = new URL(body.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${platform.sim.authorityHost}/organizations/v2.0/adminconsent`);
    expect(url.searchParams.get('client_id')).toBe(platform.sim.demo.clientId);
    expect(url.searchParams.get('scope')).toBe('https://graph.microsoft.com/.default');
    expect(url.searchParams.get('redirect_uri')).toBe(`${platform.config.http.publicBaseUrl}/onboarding/callback`);
    const state = stateOf(body);
    expect(Buffer.from(state, 'base64url').length).toBeGreaterThanOrEqual(16); // ≥ 128 random bits
    const stored = await platform.dataSource.query<{ row: string }[]>(
      'SELECT row_to_json(l)::text AS row FROM onboarding_links l',
    );
    expect(stored.map((row) => row.row).join()).not.toContain(state);

    const hinted = await createLink({ tenantHint: platform.sim.demo.tenants[0].tenantId });
    expect(hinted.body.url).toContain(`/${platform.sim.demo.tenants[0].tenantId}/v2.0/adminconsent`);
  });

  it('records the consenting tenant as pending, once, and says so on a plain page', async () => {
    const { body: link } = await createLink();
    const tenant = randomUUID();
    const response = await callback({
      admin_consent: 'True',
      tenant,
      scope: 'https://graph.microsoft.com/.default',
      state: stateOf(link),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.text()).toContain('Consent received');
    const detail = await platform.dataSource.query<{ status: string; reason: string; actor: string }[]>(
      `SELECT t.status, e.reason, e.actor FROM tenants t JOIN tenant_events e USING (tenant_id) WHERE t.tenant_id = $1`,
      [tenant],
    );
    expect(detail).toEqual([
      { status: 'pending', reason: 'admin_consent_received', actor: `onboarding-link:${link.id}` },
    ]);

    // Replaying the same callback URL shows "already used" and never makes a second tenant.
    const before = await registryCounts();
    const replay = await callback({ admin_consent: 'True', tenant: randomUUID(), state: stateOf(link) });
    expect(replay.status).toBe(410);
    expect(await replay.text()).toContain('already been used');
    expect(await registryCounts()).toEqual(before);
  });

  it('still thanks the admin and keeps the consent when verification cannot be queued', async () => {
    const queue = platform.app.get(TenantVerificationQueue);
    const failing = jest.spyOn(queue, 'enqueue').mockRejectedValueOnce(new Error('queue backend unavailable'));
    try {
      const { body: link } = await createLink();
      const tenant = randomUUID();
      const response = await callback({ admin_consent: 'True', tenant, state: stateOf(link) });
      expect(response.status).toBe(200);
      const [row] = await platform.dataSource.query<{ status: string }[]>(
        'SELECT status FROM tenants WHERE tenant_id = $1',
        [tenant],
      );
      expect(row).toEqual({ status: 'pending' });
    } finally {
      failing.mockRestore();
    }
  });

  it('accepts exactly one of two callbacks racing with the same state', async () => {
    const { body: link } = await createLink();
    const tenants = [randomUUID(), randomUUID()];
    const statuses = await Promise.all(
      tenants.map(async (tenant) => (await callback({ admin_consent: 'True', tenant, state: stateOf(link) })).status),
    );
    expect(statuses.sort()).toEqual([200, 410]);
    const [{ count }] = await platform.dataSource.query<{ count: string }[]>(
      'SELECT count(*) FROM tenants WHERE tenant_id = ANY($1)',
      [tenants],
    );
    expect(count).toBe('1');
  });

  it.each([
    ['no state', { admin_consent: 'True', tenant: randomUUID() }, 400],
    ['an unknown state', { admin_consent: 'True', tenant: randomUUID(), state: 'forged-state-value' }, 400],
    ['a non-GUID tenant', { admin_consent: 'True', tenant: 'contoso.com', state: 'x' }, 400],
    ['no admin_consent', { tenant: randomUUID(), state: 'x' }, 400],
  ])('refuses a callback with %s and changes nothing', async (_case, query, status) => {
    const before = await registryCounts();
    const response = await callback(query);
    expect(response.status).toBe(status);
    expect(await response.text()).toContain('Nothing has changed');
    expect(await registryCounts()).toEqual(before);
  });

  it('refuses consent for another tenant than the link was made for, and leaves the link usable', async () => {
    const hint = randomUUID();
    const { body: link } = await createLink({ tenantHint: hint });
    const before = await registryCounts();
    const wrong = await callback({ admin_consent: 'True', tenant: randomUUID(), state: stateOf(link) });
    expect(wrong.status).toBe(400);
    expect(await registryCounts()).toEqual(before);
    const right = await callback({ admin_consent: 'True', tenant: hint, state: stateOf(link) });
    expect(right.status).toBe(200);
  });

  it('refuses an expired or revoked link with 410', async () => {
    const { body: expired } = await createLink();
    await platform.dataSource.query(
      `UPDATE onboarding_links SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [expired.id],
    );
    expect((await callback({ admin_consent: 'True', tenant: randomUUID(), state: stateOf(expired) })).status).toBe(410);

    const { body: revoked } = await createLink();
    const revoke = await fetch(`${platform.baseUrl}/api/v1/onboarding-links/${revoked.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(revoke.status).toBe(200);
    expect((await callback({ admin_consent: 'True', tenant: randomUUID(), state: stateOf(revoked) })).status).toBe(410);
  });

  it('checks the error first: a cancel with admin_consent=True shows "not given", escaped, and records nothing', async () => {
    const { body: link } = await createLink();
    const before = await registryCounts();
    const response = await callback({
      admin_consent: 'True',
      tenant: randomUUID(),
      error: 'access_denied',
      error_description: 'AADSTS65004: <script>alert("x")</script>',
      state: stateOf(link),
    });
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page).toContain('Consent was not given');
    expect(page).not.toContain('<script>');
    expect(page).toContain('&#60;script&#62;');
    expect(await registryCounts()).toEqual(before);
  });

  it('shows the reason of a refusal only for a link it issued', async () => {
    const forged = await callback({
      error: 'access_denied',
      error_description: 'Your account is locked: call +1 555 0100 to unlock it.',
      state: 'not-a-state-we-issued',
    });
    expect(forged.status).toBe(400);
    expect(await forged.text()).not.toContain('555 0100');
    const unstated = await callback({ error: 'access_denied', error_description: 'Call us.' });
    expect(unstated.status).toBe(400);
  });

  it('sends the admin on to an allowed return URL, and refuses to make a link to any other', async () => {
    const { body: link } = await createLink({ returnUrl: 'https://portal.example.com/welcome' });
    const response = await callback({ admin_consent: 'True', tenant: randomUUID(), state: stateOf(link) });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('https://portal.example.com/welcome');

    const offList = await createLink({ returnUrl: 'https://evil.example.net/phish' });
    expect(offList.status).toBe(400);
    expect(offList.body.code).toBe('return_url_not_allowed');
  });
});
