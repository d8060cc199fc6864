import { DataSource } from 'typeorm';
import { TenantRegistry } from '@tenantry/tenants';
import { startTestApp, TestApp } from '@tenantry/testing';

interface DirectoryUser {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
  mail: string | null;
  accountEnabled: boolean | null;
  deletedAt: string | null;
}

interface Page {
  items: DirectoryUser[];
  nextCursor: string | null;
}

interface Problem {
  status: number;
  code: string;
}

/** The directory snapshot through the operator API, filled by the activation's sync as in production. */
describe('operator API: directory', () => {
  let platform: TestApp;
  let viewer: string;
  let contoso: string;

  beforeAll(async () => {
    platform = await startTestApp({ env: { JOBS_POLL_INTERVAL_MS: '50' } });
    viewer = await platform.keyFor('viewer');
    const registry = platform.app.get(TenantRegistry);
    contoso = platform.sim.demo.tenants[0].tenantId;
    await registry.recordConsent({ tenantId: contoso, consentedAt: new Date() }, 'test');
    await registry.transition(contoso, 'active', { reason: 'consent_verified', actor: 'test' });
    // The activation's sync done, and nothing else of the tenant's under way when a case reads.
    for (let waited = 0; ; waited += 1) {
      const { body } = await get<{ lastSuccessAt: string | null }>(`/api/v1/tenants/${contoso}/directory`);
      const [{ open }] = await platform.app
        .get(DataSource)
        .query<{ open: number }[]>(
          `SELECT count(*)::int AS open FROM job_runs WHERE tenant_id = $1 AND status IN ('queued', 'dispatched', 'running')`,
          [contoso],
        );
      if (body.lastSuccessAt && open === 0) break;
      if (waited > 400) throw new Error('the activation sync never finished');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(() => platform?.close());

  /** A GET with the viewer's key, or with `key` ('' for none). */
  const get = <T>(path: string, key = viewer) => platform.request<T>('GET', path, { key });

  it('summarises the snapshot after the activation sync', async () => {
    const users = platform.sim.state.listUsers(contoso);
    const { status, body } = await get(`/api/v1/tenants/${contoso}/directory`);
    expect(status).toBe(200);
    expect(body).toEqual({
      users: users.length,
      enabled: users.filter((user) => user.accountEnabled).length,
      disabled: users.filter((user) => !user.accountEnabled).length,
      deleted: 0,
      lastSuccessAt: expect.any(String),
      lastFullSyncAt: expect.any(String),
      lastError: null,
      roundInProgress: null,
    });
  });

  it('lists every synced user by UPN, page by page', async () => {
    const seen: DirectoryUser[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const { status, body }: { status: number; body: Page } = await get<Page>(
        `/api/v1/tenants/${contoso}/directory/users?limit=10${query}`,
      );
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(10);
      seen.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor);
    const expected = platform.sim.state
      .listUsers(contoso)
      .map((user) => ({
        id: user.id,
        userPrincipalName: user.userPrincipalName,
        displayName: user.displayName,
        mail: user.mail,
        accountEnabled: user.accountEnabled,
        deletedAt: null,
      }))
      .sort((a, b) => (a.userPrincipalName < b.userPrincipalName ? -1 : 1));
    expect(
      seen.map(({ id, userPrincipalName, displayName, mail, accountEnabled, deletedAt }) => ({
        id,
        userPrincipalName,
        displayName,
        mail,
        accountEnabled,
        deletedAt,
      })),
    ).toEqual(expected);
  });

  it('searches UPN, display name and mail, case-insensitively, taking % literally', async () => {
    const someone = platform.sim.state.listUsers(contoso)[3];
    const word = someone.displayName.split(' ')[0].toUpperCase();
    const { body } = await get<Page>(`/api/v1/tenants/${contoso}/directory/users?search=${encodeURIComponent(word)}`);
    expect(body.items.map((user) => user.id)).toContain(someone.id);
    for (const user of body.items) {
      expect(`${user.userPrincipalName} ${user.displayName} ${user.mail}`.toUpperCase()).toContain(word);
    }
    expect((await get<Page>(`/api/v1/tenants/${contoso}/directory/users?search=%25`)).body.items).toEqual([]);
  });

  it.each([
    ['includeDeleted=yes', 'invalid_request'],
    ['limit=0', 'invalid_request'],
    ['limit=abc', 'invalid_request'],
    ['cursor=not-a-cursor', 'invalid_cursor'],
    ['search=' + 'x'.repeat(201), 'invalid_request'],
    ['unknown=1', 'invalid_request'],
  ])('answers %s with 400 problem+json', async (query, code) => {
    const answer = await get<Problem>(`/api/v1/tenants/${contoso}/directory/users?${query}`);
    expect(answer).toMatchObject({
      status: 400,
      body: { code },
      type: expect.stringContaining('application/problem+json'),
    });
  });

  it('answers 404 for an unknown tenant, 400 for a malformed id and 401 without a key', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await get<Problem>(`/api/v1/tenants/${unknown}/directory`)).body).toMatchObject({ status: 404 });
    expect((await get<Problem>(`/api/v1/tenants/nope/directory/users`)).status).toBe(400);
    expect((await get<Problem>(`/api/v1/tenants/${contoso}/directory`, '')).status).toBe(401);
  });
});
