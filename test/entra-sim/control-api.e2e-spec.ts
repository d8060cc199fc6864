import { startEntraSim, type RunningEntraSim } from '@tenantry/entra-sim';
import { SimHttp } from './support/sim-http';

const TENANT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const APP = '12345678-1234-4234-8234-123456789abc';
const SCOPE = 'https://graph.microsoft.com/.default';

interface TokenBody {
  access_token?: string;
  error?: string;
  error_codes?: number[];
}

describe('entra-sim control API', () => {
  let sim: RunningEntraSim;
  let http: SimHttp;

  beforeAll(async () => {
    sim = await startEntraSim({ seed: 'empty', controlKey: 'test-control-key' });
    http = new SimHttp(sim.caCertPem);
  });

  afterAll(async () => {
    http.destroy();
    await sim.stop();
  });

  function control(method: string, path: string, body?: unknown, key = 'test-control-key') {
    return http.send<Record<string, unknown>>(
      method,
      `${sim.authorityHost}/_sim/${path}`,
      {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
      },
      body === undefined ? undefined : JSON.stringify(body),
    );
  }

  function token(tenant = TENANT) {
    return http.post<TokenBody>(
      `${sim.authorityHost}/${tenant}/oauth2/v2.0/token`,
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: APP,
        client_secret: 'pw',
        scope: SCOPE,
      }).toString(),
    );
  }

  it('refuses requests without the control key', async () => {
    expect((await control('GET', 'state', undefined, 'wrong')).status).toBe(401);
    expect((await http.get(`${sim.authorityHost}/_sim/state`)).status).toBe(401);
    expect((await http.get(`${sim.authorityHost}/_sim/health`)).status).toBe(200);
  });

  it('seeds apps and tenants, changes consent and the app, and the token endpoint follows', async () => {
    const seeded = await control('POST', 'seed', {
      apps: [
        {
          clientId: APP,
          displayName: 'Control test app',
          secrets: [{ value: 'pw' }],
          requiredRoles: ['User.Read.All'],
        },
      ],
      tenants: [
        {
          tenantId: TENANT,
          displayName: 'Control Co',
          domain: 'controlco.onmicrosoft.com',
          users: [{ displayName: 'Ada' }],
        },
      ],
    });
    expect(seeded.status).toBe(200);
    expect((await token()).json.error_codes).toEqual([700016]);

    expect((await control('PUT', `tenants/${TENANT}/consents/${APP}`, { roles: ['User.Read.All'] })).status).toBe(200);
    expect((await token()).json.access_token).toBeTruthy();

    expect((await control('PATCH', `apps/${APP}`, { disabled: true })).status).toBe(200);
    expect((await token()).json.error_codes).toEqual([7000112]);
    await control('PATCH', `apps/${APP}`, { disabled: false });

    expect((await control('DELETE', `tenants/${TENANT}/consents/${APP}`)).status).toBe(200);
    expect((await token()).json.error_codes).toEqual([700016]);

    const user = await control('POST', `tenants/${TENANT}/users`, { displayName: 'Grace Hopper' });
    expect(user.status).toBe(201);
    expect(user.json.userPrincipalName).toBe('grace.hopper@controlco.onmicrosoft.com');
    expect((await control('DELETE', `tenants/${TENANT}/users/${String(user.json.id)}`)).status).toBe(200);
    expect((await control('DELETE', `tenants/${TENANT}/users/${String(user.json.id)}`)).status).toBe(404);

    const state = await control('GET', 'state');
    expect((state.json.tenants as unknown[]).length).toBe(1);
  });

  it('injects faults: 429 for N requests, 5xx for T seconds, latency and dropped connections', async () => {
    await control('PUT', `tenants/${TENANT}/consents/${APP}`, {});
    const fault = await control('POST', 'faults', {
      tenant: 'controlco.onmicrosoft.com',
      endpoint: 'token',
      status: 429,
      count: 1,
      retryAfterSeconds: 5,
    });
    expect(fault.status).toBe(201);
    const throttled = await token();
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('5');
    expect((await token()).status).toBe(200);

    await control('POST', 'faults', { tenant: TENANT, endpoint: 'token', status: 503, durationSeconds: 0.3 });
    expect((await token()).status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await token()).status).toBe(200);

    await control('POST', 'faults', { tenant: TENANT, endpoint: 'token', latencyMs: 200, count: 1 });
    const started = Date.now();
    expect((await token()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);

    await control('POST', 'faults', { tenant: TENANT, endpoint: 'token', drop: true, count: 1 });
    await expect(token()).rejects.toThrow();
    expect((await token()).status).toBe(200);
    expect((await control('GET', 'faults')).json.faults).toEqual([]);
  });

  it('answers a malformed percent-escape in the path with 400 in each endpoint error shape', async () => {
    const controlResponse = await control('PATCH', 'apps/%E0', { disabled: true });
    expect(controlResponse.status).toBe(400);
    expect(controlResponse.json).toEqual({ error: expect.stringContaining('percent-encoding') });

    const discovery = await http.get<TokenBody>(`${sim.authorityHost}/%E0/v2.0/.well-known/openid-configuration`);
    const keys = await http.get<TokenBody>(`${sim.authorityHost}/%E0/discovery/v2.0/keys`);
    const tokenResponse = await token('%E0');
    for (const response of [discovery, keys, tokenResponse]) {
      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ error: 'invalid_request', error_codes: [900023] });
    }

    const consent = await http.get(`${sim.authorityHost}/%E0/v2.0/adminconsent?client_id=${APP}`);
    expect(consent.status).toBe(400);
    expect(consent.headers['content-type']).toContain('text/html');
    expect(consent.text).toContain('AADSTS900023');
  });

  it('stop() cancels the timer of a response delayed by injected latency (no open handle left)', async () => {
    const own = await startEntraSim({ seed: 'empty' });
    const ownHttp = new SimHttp(own.caCertPem);
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    const clearTimeoutSpy = jest.spyOn(global, 'clearTimeout');
    try {
      own.faults.add({ endpoint: 'discovery', latencyMs: 120_000 });
      const outcome = ownHttp.get(`${own.authorityHost}/common/v2.0/.well-known/openid-configuration`).then(
        () => 'answered',
        () => 'dropped',
      );
      while (own.counters.get('common', 'discovery') === 0) await new Promise((resolve) => setImmediate(resolve));
      const call = setTimeoutSpy.mock.calls.findIndex(([, ms]) => ms === 120_000);
      expect(call).toBeGreaterThanOrEqual(0);
      await own.stop();
      const timer: unknown = setTimeoutSpy.mock.results[call].value;
      expect(clearTimeoutSpy.mock.calls.some(([cleared]) => cleared === timer)).toBe(true);
      expect(await outcome).toBe('dropped');
    } finally {
      setTimeoutSpy.mockRestore();
      clearTimeoutSpy.mockRestore();
      ownHttp.destroy();
      await own.stop();
    }
  });

  it('reports request counters per tenant and endpoint, and resets', async () => {
    await control('DELETE', 'counters');
    await token();
    await token();
    const counters = await control('GET', 'counters');
    expect(counters.json.counters).toEqual({ [TENANT]: { token: 2 } });

    expect((await control('POST', 'reset', { seed: 'demo' })).status).toBe(200);
    expect((await token()).json.error_codes).toEqual([90002]);
    expect(sim.state.getApp(sim.demo.clientId)).toBeDefined();
  });
});
