import { randomUUID } from 'node:crypto';
import { TokenService } from '@tenantry/identity';
import { TenantRegistry } from '@tenantry/tenants';
import { startTestApp, TestApp } from '@tenantry/testing';

describe('operator API: tenants', () => {
  let platform: TestApp;
  let viewer: string;
  let operator: string;
  let registry: TenantRegistry;

  beforeAll(async () => {
    platform = await startTestApp();
    viewer = await platform.keyFor('viewer');
    operator = await platform.keyFor('operator');
    registry = platform.app.get(TenantRegistry);
  });

  afterAll(() => platform.close());

  const get = <T>(path: string, key = viewer) => platform.request<T>('GET', path, { key });
  const post = <T>(path: string, body: unknown, key = operator) => platform.request<T>('POST', path, { key, body });
  const consent = (domain: string) =>
    registry.recordConsent(
      { tenantId: randomUUID(), displayName: domain, primaryDomain: domain, consentedAt: new Date() },
      'test',
    );

  it('lists tenants newest first, page by page, filtered by status and search', async () => {
    for (let index = 0; index < 7; index += 1) await consent(`list${index}.example`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=3&search=list${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await get<{ items: { primaryDomain: string }[]; nextCursor: string | null }>(
        `/api/v1/tenants${query}`,
      );
      expect(status).toBe(200);
      seen.push(...body.items.map((tenant) => tenant.primaryDomain));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, index) => `list${6 - index}.example`));

    const { body: active } = await get<{ items: unknown[] }>('/api/v1/tenants?status=active,paused');
    expect(active.items).toEqual([]);
  });

  it('sorts by display name either way across pages, filters by attention reason and counts per status', async () => {
    const names = ['sort-c', 'sort-a', 'sort-e', 'sort-b', 'sort-d'];
    const tenants = [];
    for (const name of names) tenants.push(await consent(`${name}.example`));
    await registry.transition(tenants[0].tenantId, 'needs_attention', {
      reason: 'consent_revoked',
      attentionReason: 'consent_revoked',
      actor: 'test',
    });
    const walk = async (sort: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?limit=2&search=sort-&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`;
        const { body } = await get<{ items: { displayName: string }[]; nextCursor: string | null }>(
          `/api/v1/tenants${query}`,
        );
        seen.push(...body.items.map((tenant) => tenant.displayName));
        cursor = body.nextCursor;
      } while (cursor);
      return seen;
    };
    const sorted = names.map((name) => `${name}.example`).sort();
    expect(await walk('displayName')).toEqual(sorted);
    expect(await walk('-displayName')).toEqual([...sorted].reverse());
    expect(await walk('createdAt')).toEqual(names.map((name) => `${name}.example`));

    const { body: byName } = await get<{ nextCursor: string }>('/api/v1/tenants?limit=1&search=sort-&sort=displayName');
    expect(await get(`/api/v1/tenants?sort=-createdAt&cursor=${byName.nextCursor}`)).toMatchObject({
      status: 400,
      body: { code: 'invalid_cursor' },
    });
    expect((await get('/api/v1/tenants?sort=name')).status).toBe(400);

    const { body: attention } = await get<{ items: { tenantId: string }[] }>(
      '/api/v1/tenants?attentionReason=consent_revoked,missing_app_roles',
    );
    expect(attention.items.map((tenant) => tenant.tenantId)).toEqual([tenants[0].tenantId]);

    const { body: totals } = await get<Record<string, number>>('/api/v1/tenants/totals');
    const [counted] = await platform.dataSource.query<Record<string, number>[]>(
      `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
              count(*) FILTER (WHERE status = 'needs_attention')::int AS needs_attention
       FROM tenants`,
    );
    expect(totals).toEqual({
      pending: counted.pending,
      active: expect.any(Number),
      needs_attention: counted.needs_attention,
      paused: expect.any(Number),
      offboarded: expect.any(Number),
    });
    expect(totals.needs_attention).toBeGreaterThanOrEqual(1);
  });

  it('shows one tenant with its events and token health, never a token', async () => {
    const [demo] = platform.sim.demo.tenants.filter((tenant) => tenant.consented);
    await registry.recordConsent({ tenantId: demo.tenantId, consentedAt: new Date() }, 'test');
    await registry.transition(demo.tenantId, 'active', { reason: 'consent_verified', actor: 'test' });
    const token = await platform.app.get(TokenService).getToken(demo.tenantId);

    const response = await fetch(`${platform.baseUrl}/api/v1/tenants/${demo.tenantId.toUpperCase()}`, {
      headers: { authorization: `Bearer ${viewer}` },
    });
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).not.toContain(token.accessToken);
    expect(JSON.parse(text)).toMatchObject({
      tenantId: demo.tenantId,
      status: 'active',
      events: [
        { fromStatus: 'pending', toStatus: 'active', reason: 'consent_verified' },
        { fromStatus: null, toStatus: 'pending', reason: 'admin_consent_received' },
      ],
      tokenHealth: {
        requestsTotal: 1,
        failuresTotal: 0,
        lastErrorCode: null,
        expiresOn: token.expiresOn.toISOString(),
      },
    });
  });

  it('pauses and resumes a tenant, auditing both, and refuses what the lifecycle forbids', async () => {
    const tenant = await consent('pause.example');
    await registry.transition(tenant.tenantId, 'active', { reason: 'consent_verified', actor: 'test' });

    const paused = await post<{ status: string }>(`/api/v1/tenants/${tenant.tenantId}/pause`, { note: 'maintenance' });
    expect(paused).toMatchObject({ status: 200, body: { status: 'paused' } });
    const again = await post<{ code: string }>(`/api/v1/tenants/${tenant.tenantId}/pause`, {});
    expect(again).toMatchObject({ status: 409, body: { code: 'illegal_tenant_transition' } });
    const resumed = await post<{ status: string }>(`/api/v1/tenants/${tenant.tenantId}/resume`, {});
    expect(resumed).toMatchObject({ status: 200, body: { status: 'active' } });

    const audit = await platform.dataSource.query<{ action: string; outcome: string; tenant_id: string }[]>(
      `SELECT action, outcome, tenant_id FROM audit_events WHERE tenant_id = $1 ORDER BY id`,
      [tenant.tenantId],
    );
    expect(audit).toEqual([
      { action: 'tenant.pause', outcome: 'success', tenant_id: tenant.tenantId },
      { action: 'tenant.pause', outcome: 'failure', tenant_id: tenant.tenantId },
      { action: 'tenant.resume', outcome: 'success', tenant_id: tenant.tenantId },
    ]);
  });

  it('offboards a tenant only for an admin who repeats its id, removing its jobs, schedules and synced users', async () => {
    const admin = await platform.keyFor('admin');
    const fabrikam = platform.sim.demo.tenants.filter((tenant) => tenant.consented)[1].tenantId;
    await registry.recordConsent({ tenantId: fabrikam, consentedAt: new Date() }, 'test');
    await registry.transition(fabrikam, 'active', { reason: 'consent_verified', actor: 'test' });
    type Detail = {
      status: string;
      jobs: { queued: number; lastSuccessByType: Record<string, string> };
      schedules: { type: string }[];
      directory: { users: number; lastSuccessAt: string | null };
      events: { reason: string }[];
    };
    let detail: Detail;
    for (let waited = 0; ; waited += 1) {
      detail = (await get<Detail>(`/api/v1/tenants/${fabrikam}`)).body;
      // The sync commits its users before its run is recorded as succeeded: wait for both.
      if (detail.directory.lastSuccessAt && detail.jobs.lastSuccessByType['directory.users-sync']) break;
      if (waited > 300) throw new Error('the activation sync never finished');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // The detail shows what the activation did: a sync that succeeded, its schedule, the users.
    expect(detail.directory.users).toBe(platform.sim.state.listUsers(fabrikam).length);
    expect(detail.jobs.lastSuccessByType).toEqual({ 'directory.users-sync': expect.any(String) });
    expect(detail.schedules.map((schedule) => schedule.type)).toEqual(['directory.users-sync']);
    await post(`/api/v1/tenants/${fabrikam}/pause`, {});
    for (let index = 0; index < 2; index += 1) {
      await post(`/api/v1/tenants/${fabrikam}/jobs`, { type: 'tenant.token-check' });
    }
    expect((await get<Detail>(`/api/v1/tenants/${fabrikam}`)).body.jobs.queued).toBe(2);

    const path = `/api/v1/tenants/${fabrikam}/offboard`;
    expect((await post(path, { confirmTenantId: fabrikam }, operator)).status).toBe(403);
    expect(await post(path, { confirmTenantId: randomUUID() }, admin)).toMatchObject({
      status: 400,
      body: { code: 'offboarding_not_confirmed' },
    });
    expect((await post(path, {}, admin)).status).toBe(400);
    expect(await post(path, { confirmTenantId: fabrikam.toUpperCase(), note: 'contract ended' }, admin)).toMatchObject({
      status: 200,
      body: { status: 'offboarded' },
    });

    const after = (await get<Detail>(`/api/v1/tenants/${fabrikam}`)).body;
    expect(after).toMatchObject({
      status: 'offboarded',
      jobs: { queued: 0 },
      schedules: [],
      directory: { users: 0, lastSuccessAt: null },
    });
    expect(after.events[0]).toMatchObject({ reason: 'operator_offboarded' });
    const [cancelled] = await platform.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM job_runs WHERE tenant_id = $1 AND status = 'cancelled' AND error_code = 'tenant_offboarded'`,
      [fabrikam],
    );
    expect(cancelled.n).toBe(2);
    expect(await post(path, { confirmTenantId: fabrikam }, admin)).toMatchObject({
      status: 409,
      body: { code: 'illegal_tenant_transition' },
    });
    // Refused input changed nothing and is not audited; the offboarding and the refused repeat are.
    const audit = await platform.dataSource.query<{ action: string; outcome: string }[]>(
      `SELECT action, outcome FROM audit_events WHERE tenant_id = $1 AND action = 'tenant.offboard' ORDER BY id`,
      [fabrikam],
    );
    expect(audit).toEqual([
      { action: 'tenant.offboard', outcome: 'success' },
      { action: 'tenant.offboard', outcome: 'failure' },
    ]);
  });
});
