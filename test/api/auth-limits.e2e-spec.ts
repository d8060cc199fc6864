import { startTestApp, TestApp } from '@tenantry/testing';

/** Guessing API keys is slowed down per client address; valid keys and other addresses are not affected. */
describe('operator API: failed authentication limits', () => {
  let platform: TestApp;
  let viewer: string;

  beforeAll(async () => {
    platform = await startTestApp({ env: { AUTH_MAX_FAILURES_PER_MINUTE: '3', TRUST_PROXY: 'loopback' } });
    viewer = await platform.keyFor('viewer');
  });

  afterAll(() => platform?.close());

  /** A request from `client`, as the (trusted, loopback) reverse proxy reports it. */
  const from = (client: string, authorization?: string) =>
    fetch(`${platform.baseUrl}/api/v1/tenants`, {
      headers: { 'x-forwarded-for': client, ...(authorization ? { authorization } : {}) },
    });

  it('answers further wrong keys from a client that guessed too often with 429 and Retry-After', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await from('203.0.113.7', `Bearer tnty_guess-${attempt}`)).status).toBe(401);
    }
    const refused = await from('203.0.113.7', 'Bearer tnty_guess-3');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ code: 'too_many_failed_authentications', status: 429 });

    // A valid key still passes (a script stuck on a revoked key cannot lock operators out who
    // share its address), and so does another client behind the same proxy.
    expect((await from('203.0.113.7', `Bearer ${viewer}`)).status).toBe(200);
    expect((await from('203.0.113.8', 'Bearer tnty_other-guess')).status).toBe(401);
  });

  it('does not count requests that carry no key at all', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await from('198.51.100.1')).status).toBe(401);
    expect((await from('198.51.100.1', `Bearer ${viewer}`)).status).toBe(200);
  });
});
