import { ConfidentialClientApplication } from '@azure/msal-node';
import { HttpsCaNetworkModule, startEntraSim, type RunningEntraSim } from '@tenantry/entra-sim';
import { SimHttp, type SimHttpResponse } from './support/sim-http';

interface GraphPage {
  '@odata.context': string;
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
  value: Array<Record<string, unknown> & { id: string }>;
}

interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

describe('entra-sim Microsoft Graph', () => {
  let sim: RunningEntraSim;
  let network: HttpsCaNetworkModule;
  let http: SimHttp;
  let contoso: string;
  let token: string;

  beforeAll(async () => {
    sim = await startEntraSim();
    network = new HttpsCaNetworkModule({ ca: sim.caCertPem });
    http = new SimHttp(sim.caCertPem);
    contoso = sim.demo.tenants[0].tenantId;
    token = await acquire(contoso, sim.demo.clientId, sim.demo.clientSecret);
  });

  afterAll(async () => {
    network.destroy();
    http.destroy();
    await sim.stop();
  });

  async function acquire(tenant: string, clientId: string, clientSecret: string): Promise<string> {
    const app = new ConfidentialClientApplication({
      auth: {
        clientId,
        clientSecret,
        authority: `${sim.authorityHost}/${tenant}`,
        knownAuthorities: [sim.knownAuthority],
      },
      system: { networkClient: network },
    });
    const result = await app.acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
      skipCache: true,
    });
    return result!.accessToken;
  }

  function get<T = GraphPage>(url: string, bearer = token) {
    return http.get<T>(url, { authorization: `Bearer ${bearer}` });
  }

  /** Follows nextLinks to the deltaLink; returns every item and the deltaLink. */
  async function drainDelta(url: string): Promise<{ items: GraphPage['value']; deltaLink: string; pages: number }> {
    const items: GraphPage['value'] = [];
    let next: string | undefined = url;
    let pages = 0;
    while (next) {
      const response: SimHttpResponse<GraphPage> = await get(next);
      expect(response.status).toBe(200);
      pages++;
      items.push(...response.json.value);
      if (response.json['@odata.deltaLink']) return { items, deltaLink: response.json['@odata.deltaLink'], pages };
      next = response.json['@odata.nextLink'];
    }
    throw new Error('delta ended without a deltaLink');
  }

  it('lists users with $top paging through @odata.nextLink, yielding every user once', async () => {
    const ids: string[] = [];
    let url: string | undefined = `${sim.graphBaseUrl}/users?$top=10`;
    let pages = 0;
    while (url) {
      const response: SimHttpResponse<GraphPage> = await get(url);
      expect(response.status).toBe(200);
      expect(response.json['@odata.context']).toBe(`${sim.graphBaseUrl}/$metadata#users`);
      ids.push(...response.json.value.map((u) => u.id));
      url = response.json['@odata.nextLink'];
      pages++;
    }
    const expected = sim.state.listUsers(contoso).map((u) => u.id);
    expect(pages).toBe(Math.ceil(expected.length / 10));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual([...expected].sort());
  });

  it('applies $select (id always included) and keeps it in nextLink', async () => {
    const response = await get(`${sim.graphBaseUrl}/users?$top=5&$select=displayName,mail`);
    expect(Object.keys(response.json.value[0]).sort()).toEqual(['displayName', 'id', 'mail']);
    expect(response.json['@odata.nextLink']).toContain('$select=displayName,mail');
    const defaults = await get(`${sim.graphBaseUrl}/users?$top=1`);
    expect(Object.keys(defaults.json.value[0])).toEqual([
      'businessPhones',
      'displayName',
      'givenName',
      'jobTitle',
      'mail',
      'mobilePhone',
      'officeLocation',
      'preferredLanguage',
      'surname',
      'userPrincipalName',
      'id',
    ]);
  });

  it('serves the organization of the token tenant', async () => {
    const response = await get(`${sim.graphBaseUrl}/organization`);
    expect(response.status).toBe(200);
    expect(response.json.value[0]).toMatchObject({ id: contoso, displayName: 'Contoso' });
  });

  it('delta: the initial round yields exactly the directory, the next only the changes', async () => {
    const initial = await drainDelta(`${sim.graphBaseUrl}/users/delta?$top=7`);
    expect(initial.pages).toBeGreaterThan(1);
    expect(initial.items.map((u) => u.id).sort()).toEqual(
      sim.state
        .listUsers(contoso)
        .map((u) => u.id)
        .sort(),
    );

    const users = sim.state.listUsers(contoso);
    const added = sim.state.upsertUser(contoso, { displayName: 'New Hire' });
    sim.state.updateUser(contoso, users[0].id, { jobTitle: 'Chief Simulator' });
    sim.state.deleteUser(contoso, users[1].id);
    sim.state.deleteUser(contoso, users[2].id, { permanent: true });

    const changes = await drainDelta(initial.deltaLink);
    const byId = new Map(changes.items.map((item) => [item.id, item]));
    expect(changes.items).toHaveLength(4);
    expect(byId.get(added.id)).toMatchObject({ displayName: 'New Hire' });
    expect(byId.get(users[0].id)).toMatchObject({ jobTitle: 'Chief Simulator' });
    expect(byId.get(users[1].id)).toEqual({
      '@odata.type': '#microsoft.graph.user',
      id: users[1].id,
      '@removed': { reason: 'changed' },
    });
    expect(byId.get(users[2].id)?.['@removed']).toEqual({ reason: 'deleted' });

    const quiet = await drainDelta(changes.deltaLink);
    expect(quiet.items).toEqual([]);
  });

  it('delta: $deltaToken=latest skips the current state; only later changes follow', async () => {
    const latest = await get(`${sim.graphBaseUrl}/users/delta?$deltaToken=latest`);
    expect(latest.json.value).toEqual([]);
    expect(latest.json['@odata.deltaLink']).toBeTruthy();
    const user = sim.state.upsertUser(contoso, { displayName: 'Latecomer' });
    const changes = await drainDelta(latest.json['@odata.deltaLink']!);
    expect(changes.items.map((u) => u.id)).toEqual([user.id]);
  });

  it('delta, delta-page and users-page tokens are bound to the tenant and the app that got them', async () => {
    const fabrikam = sim.demo.tenants[1].tenantId;
    const fabrikamToken = await acquire(fabrikam, sim.demo.clientId, sim.demo.clientSecret);
    // Equal delta epochs, so only the binding to the tenant can tell the tokens apart.
    // (Epochs start random, so they are set rather than counted up to each other.)
    sim.state.resolveTenant(fabrikam)!.deltaEpoch = sim.state.resolveTenant(contoso)!.deltaEpoch;

    const fabrikamDeltaPage = await get(`${sim.graphBaseUrl}/users/delta?$top=5`, fabrikamToken);
    const fabrikamLatest = await get(`${sim.graphBaseUrl}/users/delta?$deltatoken=latest`, fabrikamToken);
    const fabrikamUsersPage = await get(`${sim.graphBaseUrl}/users?$top=5`, fabrikamToken);
    const links = {
      deltaNext: fabrikamDeltaPage.json['@odata.nextLink']!,
      deltaLink: fabrikamLatest.json['@odata.deltaLink']!,
      usersNext: fabrikamUsersPage.json['@odata.nextLink']!,
    };
    // In their own tenant they work; opaque base64url, like Graph's.
    expect((await get(links.deltaNext, fabrikamToken)).status).toBe(200);
    expect((await get(links.deltaLink, fabrikamToken)).status).toBe(200);
    expect((await get(links.usersNext, fabrikamToken)).status).toBe(200);
    for (const url of Object.values(links)) {
      expect(new URL(url).search).toMatch(/^\?(\$top=5&)?\$(skiptoken|deltatoken)=[A-Za-z0-9_-]+$/);
    }

    // Mixed up into another tenant's context (the platform bug this guards against).
    const deltaNext = await get<GraphErrorBody>(links.deltaNext);
    expect(deltaNext.status).toBe(410);
    expect(deltaNext.json.error.code).toBe('syncStateNotFound');
    const deltaLink = await get<GraphErrorBody>(links.deltaLink);
    expect(deltaLink.status).toBe(410);
    expect(deltaLink.json.error.code).toBe('syncStateNotFound');
    const usersNext = await get<GraphErrorBody>(links.usersNext);
    expect(usersNext.status).toBe(400);
    expect(usersNext.json.error.code).toBe('Request_BadRequest');

    // Another app in the same tenant does not share the sync state either.
    const otherApp = '22222222-3333-4444-8555-666666666666';
    sim.state.upsertApp({ clientId: otherApp, secrets: [{ value: 's3cret' }], requiredRoles: ['User.Read.All'] });
    sim.state.grantConsent(fabrikam, otherApp);
    const otherToken = await acquire(fabrikam, otherApp, 's3cret');
    expect((await get(links.deltaNext, otherToken)).status).toBe(410);
    expect((await get(links.deltaLink, otherToken)).status).toBe(410);
    expect((await get(links.usersNext, otherToken)).status).toBe(400);
  });

  it('a malformed percent-escape in the path is 400 in the Graph error shape, not 500', async () => {
    const response = await get<GraphErrorBody>(`${sim.graphBaseUrl}/users/%E0`);
    expect(response.status).toBe(400);
    expect(response.json.error).toMatchObject({ code: 'BadRequest', message: expect.any(String) });
  });

  it('delta: an unknown or invalidated token is 410 Gone', async () => {
    const { deltaLink } = await drainDelta(`${sim.graphBaseUrl}/users/delta`);
    const unknown = await get<GraphErrorBody>(`${sim.graphBaseUrl}/users/delta?$deltatoken=bogus`);
    expect(unknown.status).toBe(410);
    expect(unknown.json.error.code).toBe('syncStateNotFound');
    sim.state.invalidateDeltaTokens(contoso);
    expect((await get(deltaLink)).status).toBe(410);
  });

  it('401 without or with a bad token, 403 without a role that allows the read (Graph error shape)', async () => {
    const none = await http.get<GraphErrorBody>(`${sim.graphBaseUrl}/users`, { 'client-request-id': 'req-1' });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('InvalidAuthenticationToken');
    expect(none.json.error.innerError).toMatchObject({
      'client-request-id': 'req-1',
      'request-id': expect.any(String),
      date: expect.any(String),
    });
    expect(none.headers['www-authenticate']).toContain('Bearer');
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await get(`${sim.graphBaseUrl}/users`, forged)).status).toBe(401);

    sim.state.upsertApp({
      clientId: '11111111-2222-4333-8444-555555555555',
      secrets: [{ value: 's3cret' }],
      requiredRoles: ['Organization.Read.All'],
    });
    sim.state.grantConsent(contoso, '11111111-2222-4333-8444-555555555555');
    const limited = await acquire(contoso, '11111111-2222-4333-8444-555555555555', 's3cret');
    const denied = await get<GraphErrorBody>(`${sim.graphBaseUrl}/users`, limited);
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe('Authorization_RequestDenied');
    expect((await get(`${sim.graphBaseUrl}/organization`, limited)).status).toBe(200);
  });

  it('throttles per app per tenant with 429 and Retry-After', async () => {
    const fabrikam = sim.demo.tenants[1].tenantId;
    const fabrikamToken = await acquire(fabrikam, sim.demo.clientId, sim.demo.clientSecret);
    sim.throttle.setForTenant(contoso, { limit: 3, windowSeconds: 30 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await get(`${sim.graphBaseUrl}/users?$top=1`)).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const throttled = await get<GraphErrorBody>(`${sim.graphBaseUrl}/users?$top=1`);
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
      expect(throttled.json.error.code).toBe('TooManyRequests');
      // Another tenant of the same app is not affected.
      expect((await get(`${sim.graphBaseUrl}/users?$top=1`, fabrikamToken)).status).toBe(200);
    } finally {
      sim.throttle.setForTenant(contoso, undefined);
    }
  });

  it('injected Graph faults: 429 for N requests, 503, and counters per endpoint', async () => {
    sim.faults.add({ tenant: contoso, endpoint: 'graph', status: 429, count: 1, retryAfterSeconds: 3 });
    const throttled = await get(`${sim.graphBaseUrl}/users?$top=1`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('3');
    expect((await get(`${sim.graphBaseUrl}/users?$top=1`)).status).toBe(200);
    sim.faults.add({ tenant: contoso, endpoint: 'graph.delta', status: 503, count: 1 });
    expect((await get(`${sim.graphBaseUrl}/users/delta`)).status).toBe(503);
    expect(sim.counters.get(contoso, 'graph.users')).toBeGreaterThan(3);
    expect(sim.counters.get(contoso, 'graph.delta')).toBeGreaterThan(0);
  });
});
