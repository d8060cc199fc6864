import { randomUUID } from 'node:crypto';
import { TenantRegistry } from '@tenantry/tenants';
import { startTestApp, TestApp } from '@tenantry/testing';

interface AuditEvent {
  id: string;
  actor: string;
  action: string;
  outcome: string;
  tenantId: string | null;
  targetType: string | null;
}

interface Page {
  items: AuditEvent[];
  nextCursor: string | null;
}

describe('operator API: audit events', () => {
  let platform: TestApp;
  let viewer: string;
  let operator: string;
  let admin: string;
  let tenantId: string;

  beforeAll(async () => {
    platform = await startTestApp();
    [viewer, operator, admin] = await Promise.all([
      platform.keyFor('viewer'),
      platform.keyFor('operator'),
      platform.keyFor('admin'),
    ]);
    const registry = platform.app.get(TenantRegistry);
    tenantId = (await registry.recordConsent({ tenantId: randomUUID(), consentedAt: new Date() }, 'test')).tenantId;
    await registry.transition(tenantId, 'active', { reason: 'consent_verified', actor: 'test' });
    const act = (path: string, key = operator, body: unknown = {}) => platform.request('POST', path, { key, body });
    await act(`/api/v1/tenants/${tenantId}/pause`);
    await act(`/api/v1/tenants/${tenantId}/pause`); // refused: already paused
    await act(`/api/v1/tenants/${tenantId}/resume`);
  });

  afterAll(() => platform?.close());

  const list = (query: string, key = viewer) => platform.request<Page>('GET', `/api/v1/audit-events${query}`, { key });

  it('lists what was done to a tenant, newest first, with who did it and how it ended', async () => {
    const { status, body } = await list(`?tenantId=${tenantId.toUpperCase()}`);
    expect(status).toBe(200);
    expect(body.items.map(({ action, outcome }) => `${action}:${outcome}`)).toEqual([
      'tenant.resume:success',
      'tenant.pause:failure',
      'tenant.pause:success',
    ]);
    expect(new Set(body.items.map((event) => event.actor)).size).toBe(1);
    expect(body.items[0]).toMatchObject({ tenantId, targetType: 'tenant', actor: expect.stringMatching(/^api-key:/) });
  });

  it('filters by action, outcome, actor and time, and pages through', async () => {
    const { body: failures } = await list(`?tenantId=${tenantId}&outcome=failure`);
    expect(failures.items.map((event) => event.action)).toEqual(['tenant.pause']);
    const { body: byAction } = await list(`?tenantId=${tenantId}&action=tenant.resume,tenant.offboard`);
    expect(byAction.items.map((event) => event.action)).toEqual(['tenant.resume']);
    const actor = byAction.items[0].actor;
    expect((await list(`?actor=${encodeURIComponent(actor)}&tenantId=${tenantId}`)).body.items).toHaveLength(3);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await list(`?tenantId=${tenantId}&from=${future}`)).body.items).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const { body }: { body: Page } = await list(`?tenantId=${tenantId}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...body.items.map((event) => event.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
  });

  it('never shows an API key, even the audit of its creation', async () => {
    const created = await platform.request<{ key: string }>('POST', '/api/v1/api-keys', {
      key: admin,
      body: { name: 'audited', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    const { body } = await platform.request<Page>('GET', '/api/v1/audit-events?action=api_key.create', { key: viewer });
    expect(body.items.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(body)).not.toContain(created.body.key);
  });

  it.each([
    ['tenantId=nope', 'invalid_request'],
    ['outcome=maybe', 'invalid_request'],
    ['from=yesterday', 'invalid_request'],
    ['action=DROP%20TABLE', 'invalid_request'],
    ['cursor=bm90LWEtY3Vyc29y', 'invalid_cursor'],
    ['limit=1000', 'invalid_request'],
  ])('answers %s with 400 problem+json', async (query, code) => {
    expect(await list(`?${query}`)).toMatchObject({
      status: 400,
      body: { code },
      type: expect.stringContaining('application/problem+json'),
    });
  });

  it('needs a key', async () => {
    expect((await list('', '')).status).toBe(401);
  });
});
