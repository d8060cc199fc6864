import { startTestApp, TestApp } from '@tenantry/testing';

/** Guessing API keys is slowed down per client address; other addresses are not affected. */
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

  it('refuses an address that guessed wrong too often, even with a valid key, with Retry-After', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect((await from('203.0.113.7', `Bearer tnty_guess-${attempt}`)).status).toBe(401);
    }
    const refused = await from('203.0.113.7', `Bearer ${viewer}`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({ code: 'too_many_failed_authentications', status: 429 });

    // Another client behind the same proxy is not held back.
    expect((await from('203.0.113.8', `Bearer ${viewer}`)).status).toBe(200);
  });

  it('does not count requests that carry no key at all', async () => {
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await from('198.51.100.1')).status).toBe(401);
    expect((await from('198.51.100.1', `Bearer ${viewer}`)).status).toBe(200);
  });
});
