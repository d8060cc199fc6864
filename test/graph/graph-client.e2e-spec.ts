import { randomUUID } from 'node:crypto';
import {
  GraphClients,
  GraphRequestError,
  GraphSyncStateLostError,
  GraphThrottledError,
  type TenantGraph,
} from '@tenantry/graph';
import type { AccessToken, TokenService } from '@tenantry/identity';
import { IdentityTestbed, startIdentityTestbed } from '@tenantry/testing';

interface User {
  id: string;
  displayName?: string;
  mail?: string;
}

/**
 * The Graph client against the simulator's Graph, with real tokens from the token service:
 * paging, retries in place and hand-over to the job runtime, token refresh on 401, lost delta
 * state, and the errors a job sees.
 */
describe('Graph client', () => {
  let bed: IdentityTestbed;
  let clients: GraphClients;
  let tenantId: string;
  const closers: GraphClients[] = [];

  beforeAll(async () => {
    bed = await startIdentityTestbed();
    clients = new GraphClients(bed.identity, bed.tokens);
    closers.push(clients);
    tenantId = randomUUID();
    bed.sim.state.upsertTenant({
      tenantId,
      displayName: 'Paged',
      domain: 'paged.onmicrosoft.com',
      consents: [{ clientId: bed.sim.demo.clientId }],
      users: Array.from({ length: 250 }, (_, index) => ({ displayName: `User ${index}` })),
    });
    await bed.activate(tenantId);
  });

  afterEach(() => bed.sim.faults.clear());

  afterAll(async () => {
    for (const client of closers) await client.onApplicationShutdown();
    await bed?.close();
  });

  const graph = (id = tenantId, signal?: AbortSignal): TenantGraph => clients.forTenant(id, { signal });
  const requests = (endpoint: 'graph.users' | 'graph.delta') => bed.sim.counters.get(tenantId, endpoint);

  it('follows nextLink through every page, keeping $select', async () => {
    const pages: User[][] = [];
    for await (const page of graph().pages<User>('/users', { select: ['id', 'displayName'], maxPageSize: 100 })) {
      pages.push(page.value);
    }
    expect(pages.map((page) => page.length)).toEqual([100, 100, 50]);
    expect(new Set(pages.flat().map((user) => user.id)).size).toBe(250);
    expect(Object.keys(pages[2][0]).sort()).toEqual(['displayName', 'id']);
  });

  it('ends a delta round with a delta link that yields only what changed', async () => {
    let deltaLink: string | undefined;
    let users = 0;
    for await (const page of graph().pages<User>('/users/delta?$select=id,displayName', { maxPageSize: 200 })) {
      users += page.value.length;
      deltaLink = page.deltaLink;
    }
    expect(users).toBe(250);
    const changed = bed.sim.state.listUsers(tenantId)[7];
    bed.sim.state.updateUser(tenantId, changed.id, { displayName: 'Changed' });
    const next = await graph().page<User>(deltaLink as string);
    expect(next.value).toEqual([{ id: changed.id, displayName: 'Changed' }]);
    expect(next.deltaLink).toEqual(expect.any(String));
  });

  it('retries a short throttle in place and succeeds', async () => {
    const before = requests('graph.users');
    bed.sim.faults.add({ tenant: tenantId, endpoint: 'graph.users', status: 429, retryAfterSeconds: 1, count: 2 });
    const page = await graph().page<User>('/users');
    expect(page.value).toHaveLength(100);
    expect(requests('graph.users') - before).toBe(3);
  });

  it('hands a long throttle to the job runtime at once, with its Retry-After', async () => {
    const before = requests('graph.users');
    bed.sim.faults.add({ tenant: tenantId, endpoint: 'graph.users', status: 429, retryAfterSeconds: 30, count: 1 });
    const error = await graph()
      .page('/users')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GraphThrottledError);
    expect(error).toMatchObject({ code: 'graph_throttled', tenantId, retryAfterMs: 30_000, status: 429 });
    expect(requests('graph.users') - before).toBe(1);
  });

  it('never hands the runtime a throttle shorter than a second (Retry-After: 0)', async () => {
    bed.sim.faults.add({ tenant: tenantId, endpoint: 'graph.users', status: 503, retryAfterSeconds: 0, count: 4 });
    const error = await graph()
      .page('/users')
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'graph_throttled', retryAfterMs: 1_000 });
  });

  it('reports a 503 with Retry-After as throttling, and a server error as a failure with its status', async () => {
    bed.sim.faults.add({ tenant: tenantId, endpoint: 'graph.users', status: 503, retryAfterSeconds: 20, count: 1 });
    await expect(graph().page('/users')).rejects.toBeInstanceOf(GraphThrottledError);
    bed.sim.faults.add({ tenant: tenantId, endpoint: 'graph.users', status: 500, count: 1 });
    await expect(graph().page('/users')).rejects.toMatchObject({ code: 'graph_server_error', status: 500 });
  });

  it('answers a lost delta state with GraphSyncStateLostError', async () => {
    let deltaLink: string | undefined;
    for await (const page of graph().pages<User>('/users/delta', { maxPageSize: 200 })) deltaLink = page.deltaLink;
    bed.sim.state.invalidateDeltaTokens(tenantId);
    const error = await graph()
      .page(deltaLink as string)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GraphSyncStateLostError);
    expect(error).toMatchObject({ code: 'graph_sync_state_lost', graphCode: 'syncStateNotFound' });
  });

  it('retries a refused token once with a fresh one', async () => {
    const forced: boolean[] = [];
    const stale: Pick<TokenService, 'getToken'> = {
      getToken: async (id, options) => {
        forced.push(options?.forceRefresh === true);
        if (options?.forceRefresh) return bed.tokens.getToken(id, options);
        return { accessToken: 'not-a-token', expiresOn: new Date(Date.now() + 3_600_000) } satisfies AccessToken;
      },
    };
    const withStale = new GraphClients(bed.identity, stale as TokenService);
    closers.push(withStale);
    const user = bed.sim.state.listUsers(tenantId)[0];
    await expect(withStale.forTenant(tenantId).get<User>(`/users/${user.id}`)).resolves.toMatchObject({ id: user.id });
    expect(forced).toEqual([false, true]);
  });

  it('names Graph’s refusal: a tenant that granted no read role gets graph_forbidden', async () => {
    const bare = randomUUID();
    bed.sim.state.upsertTenant({
      tenantId: bare,
      displayName: 'Bare',
      domain: 'bare.onmicrosoft.com',
      consents: [{ clientId: bed.sim.demo.clientId, roles: [] }],
    });
    await bed.activate(bare);
    const error = await graph(bare)
      .page('/users')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GraphRequestError);
    expect(error).toMatchObject({ code: 'graph_forbidden', status: 403, graphCode: 'Authorization_RequestDenied' });
    expect((error as Error).message).not.toMatch(/eyJ/);
  });

  it('never sends the token to a link outside the Graph host', async () => {
    const asked: string[] = [];
    const spy: Pick<TokenService, 'getToken'> = {
      getToken: async (id, options) => {
        asked.push(id);
        return bed.tokens.getToken(id, options);
      },
    };
    const spied = new GraphClients(bed.identity, spy as TokenService);
    closers.push(spied);
    await expect(spied.forTenant(tenantId).page('https://attacker.example/v1.0/users')).rejects.toMatchObject({
      code: 'graph_foreign_link',
    });
    // The SDK would send a path that merely contains a URL to that URL's host.
    await expect(spied.forTenant(tenantId).page('/users?x=https://attacker.example/steal')).rejects.toMatchObject({
      code: 'graph_foreign_link',
    });
    expect(asked).toEqual([]);
  });

  it('stops when its signal aborts, with the signal’s reason', async () => {
    bed.sim.faults.add({ tenant: tenantId, endpoint: 'graph.users', latencyMs: 5_000, count: 1 });
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    setTimeout(() => controller.abort(reason), 100);
    await expect(graph(tenantId, controller.signal).page('/users')).rejects.toBe(reason);
  });
});
