import { randomUUID } from 'node:crypto';
import {
  MissingTenantScopeError,
  TenantEvent,
  TenantRegistry,
  TenantScopedRepository,
  Tenant,
} from '@tenantry/tenants';
import { startTestApp, TestApp } from '@tenantry/testing';

describe('tenant registry', () => {
  let platform: TestApp;
  let registry: TenantRegistry;

  beforeAll(async () => {
    platform = await startTestApp({ queue: 'postgres' });
    registry = platform.app.get(TenantRegistry);
  });

  afterAll(() => platform.close());

  const consent = (tenantId: string = randomUUID(), domain = `${tenantId.slice(0, 8)}.onmicrosoft.com`) =>
    registry.recordConsent(
      { tenantId, displayName: `Tenant ${domain}`, primaryDomain: domain, consentedAt: new Date() },
      'test',
    );

  it('records a new consent as a pending tenant with its first event', async () => {
    const tenant = await consent();
    expect(tenant).toMatchObject({ status: 'pending', version: 1 });
    const [event] = await registry.history(tenant.tenantId);
    expect(event).toMatchObject({
      fromStatus: null,
      toStatus: 'pending',
      reason: 'admin_consent_received',
      actor: 'test',
    });
  });

  it('normalises tenant ids to lower case', async () => {
    const id = randomUUID();
    await consent(id.toUpperCase());
    expect((await registry.get(id)).tenantId).toBe(id);
  });

  it('stores every transition with from, to, reason, actor and time', async () => {
    const { tenantId } = await consent();
    await registry.transition(tenantId, 'active', { reason: 'consent_verified', actor: 'system:verification' });
    await registry.pause(tenantId, 'api-key:1', 'maintenance window');
    const resumed = await registry.resume(tenantId, 'api-key:1');
    expect(resumed.status).toBe('active'); // it was active when paused
    const events = await registry.history(tenantId);
    expect(events.map((event) => [event.fromStatus, event.toStatus, event.reason, event.actor])).toEqual([
      ['paused', 'active', 'operator_resumed', 'api-key:1'],
      ['active', 'paused', 'operator_paused', 'api-key:1'],
      ['pending', 'active', 'consent_verified', 'system:verification'],
      [null, 'pending', 'admin_consent_received', 'test'],
    ]);
    expect(events[1].details).toEqual({ note: 'maintenance window' });
    expect(events.every((event) => event.occurredAt instanceof Date)).toBe(true);
  });

  it('resumes a tenant paused while it needed attention to pending, never straight to active', async () => {
    const { tenantId } = await consent();
    await registry.transition(tenantId, 'active', { reason: 'consent_verified', actor: 'test' });
    await registry.transition(tenantId, 'needs_attention', { reason: 'consent_revoked', actor: 'system:identity' });
    await registry.pause(tenantId, 'operator');
    expect((await registry.resume(tenantId, 'operator')).status).toBe('pending');
  });

  it('creates one tenant, with one creation event, from concurrent consent callbacks', async () => {
    const tenantId = randomUUID();
    const results = await Promise.allSettled([consent(tenantId), consent(tenantId), consent(tenantId)]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const reasons = (await registry.history(tenantId)).map((event) => event.reason).sort();
    expect(reasons).toEqual(['admin_consent_received', 'admin_consent_renewed', 'admin_consent_renewed']);
  });

  it('refuses an illegal transition with a coded error and changes nothing', async () => {
    const { tenantId } = await consent();
    await registry.transition(tenantId, 'offboarded', { reason: 'operator_offboarded', actor: 'test' });
    await expect(registry.transition(tenantId, 'active', { reason: 'x', actor: 'test' })).rejects.toMatchObject({
      code: 'illegal_tenant_transition',
      kind: 'conflict',
    });
    await expect(registry.pause(tenantId, 'test')).rejects.toMatchObject({ code: 'illegal_tenant_transition' });
    expect((await registry.get(tenantId)).status).toBe('offboarded');
    expect(await registry.history(tenantId)).toHaveLength(2);
  });

  it('refuses a stale writer (optimistic locking on the version)', async () => {
    const tenant = await consent();
    await registry.transition(tenant.tenantId, 'active', {
      reason: 'a',
      actor: 'test',
      expectedVersion: tenant.version,
    });
    await expect(
      registry.transition(tenant.tenantId, 'paused', { reason: 'b', actor: 'test', expectedVersion: tenant.version }),
    ).rejects.toMatchObject({ code: 'tenant_version_conflict' });
  });

  it('serialises concurrent transitions: exactly one of two racing pauses wins', async () => {
    const { tenantId } = await consent();
    await registry.transition(tenantId, 'active', { reason: 'a', actor: 'test' });
    const results = await Promise.allSettled([registry.pause(tenantId, 'one'), registry.pause(tenantId, 'two')]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(1);
  });

  it('brings a tenant that needs attention back to pending on a new consent', async () => {
    const { tenantId } = await consent();
    await registry.transition(tenantId, 'needs_attention', { reason: 'consent_revoked', actor: 'system:identity' });
    expect((await registry.get(tenantId)).attentionReason).toBe('consent_revoked');
    const renewed = await consent(tenantId);
    expect(renewed).toMatchObject({ status: 'pending', attentionReason: null });
  });

  it('pages through tenants by keyset without gaps or repeats, with filters', async () => {
    const ids = new Set<string>();
    for (let index = 0; index < 25; index += 1) ids.add((await consent(randomUUID(), `page${index}.example`)).tenantId);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await registry.list({ limit: 7, cursor, search: '.example' });
      seen.push(...page.items.map((tenant) => tenant.tenantId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen)).toEqual(ids);

    const pendingOnly = await registry.list({ limit: 200, status: ['pending'] });
    expect(pendingOnly.items.every((tenant) => tenant.status === 'pending')).toBe(true);
    const byDomain = await registry.list({ limit: 10, search: 'PAGE13.EXAMPLE' });
    expect(byDomain.items.map((tenant) => tenant.primaryDomain)).toEqual(['page13.example']);
    const wildcard = await registry.list({ limit: 10, search: '%' });
    expect(wildcard.items).toEqual([]);
  });

  describe('tenant-scoped repository', () => {
    let events: TenantScopedRepository<TenantEvent>;

    beforeAll(() => {
      events = new TenantScopedRepository(platform.dataSource.getRepository(TenantEvent));
    });

    it.each([undefined, null, '', '   ', 'not-a-guid', 42])('refuses to query with tenant id %p', async (tenantId) => {
      await expect(events.find(tenantId as string)).rejects.toBeInstanceOf(MissingTenantScopeError);
      await expect(events.count(tenantId as string)).rejects.toBeInstanceOf(MissingTenantScopeError);
      await expect(events.delete(tenantId as string)).rejects.toBeInstanceOf(MissingTenantScopeError);
      await expect(
        events.insert(tenantId as string, { toStatus: 'active', reason: 'x', actor: 'x', details: null }),
      ).rejects.toBeInstanceOf(MissingTenantScopeError);
    });

    it('only ever sees the tenant it was given', async () => {
      const first = await consent();
      const second = await consent();
      const rows = await events.find(first.tenantId);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => row.tenantId === first.tenantId)).toBe(true);
      // A caller trying to widen the scope through `where` cannot: the tenant id always wins.
      const widened = await events.find(first.tenantId, { where: { tenantId: second.tenantId } as never });
      expect(widened.every((row) => row.tenantId === first.tenantId)).toBe(true);
      expect(await platform.dataSource.getRepository(Tenant).count()).toBeGreaterThan(1);
    });

    it('inserts only, for the given tenant, whatever id or relation the values carry', async () => {
      const first = await consent();
      const second = await consent();
      const [victim] = await events.find(second.tenantId);
      await events.insert(first.tenantId, {
        id: victim.id,
        tenant: { tenantId: second.tenantId } as Tenant,
        fromStatus: null,
        toStatus: 'pending',
        reason: 'smuggled',
        actor: 'test',
        details: null,
      });
      const [untouched] = await events.find(second.tenantId, { where: { id: victim.id } });
      expect(untouched).toMatchObject({ tenantId: second.tenantId, reason: victim.reason });
      const smuggled = await platform.dataSource.getRepository(TenantEvent).findBy({ reason: 'smuggled' });
      expect(smuggled.map((event) => event.tenantId)).toEqual([first.tenantId]);
    });
  });
});
