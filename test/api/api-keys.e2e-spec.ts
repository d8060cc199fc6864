import { startTestApp, TestApp } from '@tenantry/testing';

describe('API keys', () => {
  let platform: TestApp;
  let admin: string;

  beforeAll(async () => {
    platform = await startTestApp();
    admin = await platform.keyFor('admin');
  });

  afterAll(() => platform.close());

  const call = (method: string, path: string, key: string, body?: unknown) =>
    fetch(platform.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': 'test-request-1' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('shows a new key once, keeps only its hash, and audits who created it', async () => {
    const response = await call('POST', '/api/v1/api-keys', admin, { name: 'dashboard', role: 'viewer' });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; key: string; prefix: string; role: string };
    expect(created).toMatchObject({ role: 'viewer', key: expect.stringMatching(/^tnty_/) });
    expect(created.key.startsWith(created.prefix)).toBe(true);

    const listed = (await (await call('GET', '/api/v1/api-keys', admin)).json()) as Record<string, unknown>[];
    const entry = listed.find((key) => key.id === created.id);
    expect(entry).toBeDefined();
    expect(Object.keys(entry as object)).not.toContain('key');
    expect(JSON.stringify(listed)).not.toContain(created.key);

    // Nowhere in the database, in any table, is the key in clear.
    const dump = await platform.dataSource.query<{ row: string }[]>(
      `SELECT row_to_json(k)::text AS row FROM api_keys k
       UNION ALL SELECT row_to_json(a)::text FROM audit_events a
       UNION ALL SELECT row_to_json(e)::text FROM tenant_events e`,
    );
    expect(dump.length).toBeGreaterThan(0);
    expect(dump.map((row) => row.row).join('\n')).not.toContain(created.key);

    const [audit] = await platform.dataSource.query<
      { actor: string; action: string; outcome: string; request_id: string }[]
    >(
      `SELECT actor, action, outcome, request_id FROM audit_events WHERE action = 'api_key.create' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit).toMatchObject({ action: 'api_key.create', outcome: 'success', request_id: 'test-request-1' });
    expect(audit.actor).toMatch(/^api-key:[0-9a-f-]{36}$/);

    const viewer = await call('GET', '/api/v1/tenants', created.key);
    expect(viewer.status).toBe(200);
  });

  it('stops a revoked key at once, and audits the revocation', async () => {
    const { id, key } = (await (
      await call('POST', '/api/v1/api-keys', admin, { name: 'temp', role: 'operator' })
    ).json()) as {
      id: string;
      key: string;
    };
    expect((await call('GET', '/api/v1/tenants', key)).status).toBe(200);
    const revoked = await call('DELETE', `/api/v1/api-keys/${id}`, admin);
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ id, revokedAt: expect.any(String) });
    const after = await call('GET', '/api/v1/tenants', key);
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ code: 'unauthenticated' });
    const [audit] = await platform.dataSource.query<{ target_id: string }[]>(
      `SELECT target_id FROM audit_events WHERE action = 'api_key.revoke' AND outcome = 'success'`,
    );
    expect(audit.target_id).toBe(id);
  });

  it('refuses to create a key that has already expired', async () => {
    const response = await call('POST', '/api/v1/api-keys', admin, {
      name: 'dead',
      role: 'viewer',
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_request', errors: [{ field: 'expiresAt' }] });
  });

  it('refuses an expired key', async () => {
    const { key } = (await (
      await call('POST', '/api/v1/api-keys', admin, {
        name: 'short-lived',
        role: 'viewer',
        expiresAt: new Date(Date.now() + 3000).toISOString(),
      })
    ).json()) as { key: string };
    expect((await call('GET', '/api/v1/tenants', key)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 3100));
    expect((await call('GET', '/api/v1/tenants', key)).status).toBe(401);
  });
});
