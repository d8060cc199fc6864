import { KeysetCursor } from '@tenantry/database';
import { startTestApp, TestApp } from '@tenantry/testing';

interface Problem {
  type: string;
  code: string;
  status: number;
  detail: string;
  requestId?: string;
}

/** Whatever a client sends, the answer is a 4xx problem document and nothing is written. */
describe('bad input', () => {
  let platform: TestApp;
  let admin: string;

  beforeAll(async () => {
    platform = await startTestApp();
    admin = await platform.keyFor('admin');
  });

  afterAll(() => platform.close());

  const send = async (method: string, path: string, body?: string, headers: Record<string, string> = {}) => {
    const response = await fetch(platform.baseUrl + path, {
      method,
      body,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', ...headers },
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    return { status: response.status, problem: (await response.json()) as Problem };
  };

  const rowCounts = async () => {
    const [row] = await platform.dataSource.query<{ keys: string; audit: string; tenants: string }[]>(
      `SELECT (SELECT count(*) FROM api_keys) AS keys, (SELECT count(*) FROM audit_events) AS audit,
              (SELECT count(*) FROM tenants) AS tenants`,
    );
    return row;
  };

  it.each([
    ['malformed JSON', '{"name": "x", "role":', 400, 'malformed_json'],
    ['unknown fields', '{"name": "x", "role": "viewer", "isAdmin": true}', 400, 'invalid_request'],
    ['wrong types', '{"name": 42, "role": ["admin"]}', 400, 'invalid_request'],
    ['an unknown role', '{"name": "x", "role": "root"}', 400, 'invalid_request'],
    ['a JSON array', '[1, 2, 3]', 400, 'invalid_request'],
    ['a bare JSON string', '"hello"', 400, 'malformed_json'],
    ['JSON null', 'null', 400, 'malformed_json'],
    ['a bad expiry date', '{"name": "x", "role": "viewer", "expiresAt": "tomorrow"}', 400, 'invalid_request'],
    ['an oversize body', JSON.stringify({ name: 'x'.repeat(100_000), role: 'viewer' }), 413, 'body_too_large'],
  ])('refuses %s with a clear problem and writes nothing', async (_case, body, status, code) => {
    const before = await rowCounts();
    const { status: actual, problem } = await send('POST', '/api/v1/api-keys', body);
    expect(actual).toBe(status);
    expect(problem).toMatchObject({ status, code, type: `https://tenantry.dev/problems/${code}` });
    expect(problem.detail.length).toBeGreaterThan(10);
    expect(problem.requestId).toEqual(expect.any(String));
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a body that is not JSON with 415, and writes nothing', async () => {
    const before = await rowCounts();
    const { status, problem } = await send('POST', '/api/v1/api-keys', 'name=x&role=viewer', {
      'content-type': 'text/plain',
    });
    expect(status).toBe(415);
    expect(problem).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(await rowCounts()).toEqual(before);
  });

  it('tells an empty name it is empty', async () => {
    const { problem } = await send('POST', '/api/v1/api-keys', '{"name": "", "role": "viewer"}');
    expect(problem.detail).toMatch(/name must be longer than or equal to 1 characters/);
  });

  it('refuses text the database cannot store, in a query or a body, with a 4xx', async () => {
    const search = await send('GET', '/api/v1/tenants?search=a%00b');
    expect(search.status).toBe(400);
    const before = await rowCounts();
    for (const name of ['a\\u0000b', '\\ud800']) {
      const { status, problem } = await send('POST', '/api/v1/api-keys', `{"name": "${name}", "role": "viewer"}`);
      expect(status).toBe(400);
      expect(problem.code).toMatch(/invalid_request/);
    }
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a corrupt compressed body with a 4xx', async () => {
    const { status } = await send('POST', '/api/v1/api-keys', 'definitely not gzip', { 'content-encoding': 'gzip' });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });

  it('says one thing per field, once', async () => {
    const { problem } = await send('GET', '/api/v1/tenants?limit=abc');
    expect(problem.detail).toBe('The request is invalid: limit must be an integer number.');
  });

  it('names the offending field', async () => {
    const { problem } = await send('POST', '/api/v1/api-keys', '{"name": "", "role": "viewer"}');
    expect(problem).toMatchObject({ code: 'invalid_request', errors: [{ field: 'name' }] });
  });

  it.each([
    ['an invalid tenant id', '/api/v1/tenants/not-a-guid', 400, 'invalid_request'],
    ['a tenant id with SQL in it', "/api/v1/tenants/1'%20OR%20'1'='1", 400, 'invalid_request'],
    ['an unknown tenant', '/api/v1/tenants/00000000-0000-4000-8000-00000000abcd', 404, 'tenant_not_found'],
    ['a non-numeric limit', '/api/v1/tenants?limit=abc', 400, 'invalid_request'],
    ['a limit too large', '/api/v1/tenants?limit=100000', 400, 'invalid_request'],
    ['an unknown status', '/api/v1/tenants?status=happy', 400, 'invalid_request'],
    ['an unknown query parameter', '/api/v1/tenants?sort=evil', 400, 'invalid_request'],
    ['a garbage cursor', '/api/v1/tenants?cursor=%%%garbage', 400, 'invalid_cursor'],
    [
      'a tampered cursor',
      `/api/v1/tenants?cursor=${KeysetCursor.encode(["2026-01-01'; DROP TABLE tenants;--", 'x'])}`,
      400,
      'invalid_cursor',
    ],
    ['a cursor of the wrong shape', `/api/v1/tenants?cursor=${KeysetCursor.encode([1])}`, 400, 'invalid_cursor'],
    ['an unknown route', '/api/v1/nothing-here', 404, 'not_found'],
  ])('answers %s with a 4xx problem', async (_case, path, status, code) => {
    const { status: actual, problem } = await send('GET', path);
    expect(actual).toBe(status);
    expect(problem.code).toBe(code);
  });

  it('answers a method a path does not take with 405 and the methods it takes, and an unknown path with 404', async () => {
    const response = await fetch(`${platform.baseUrl}/api/v1/tenants`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.json()).toMatchObject({ code: 'method_not_allowed', instance: '/api/v1/tenants' });
    const unknown = await send('DELETE', '/api/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.problem.code).toBe('not_found');
  });

  it('refuses to revoke an API key by a malformed id as it refuses any malformed id, and an unknown one with 404', async () => {
    const malformed = await send('DELETE', '/api/v1/api-keys/42');
    expect(malformed.status).toBe(400);
    expect(malformed.problem).toMatchObject({ code: 'invalid_request', errors: [{ field: 'apiKeyId' }] });
    const unknown = await send('DELETE', '/api/v1/api-keys/00000000-0000-4000-8000-00000000abcd');
    expect(unknown.status).toBe(404);
    expect(unknown.problem.code).toBe('api_key_not_found');
  });
});
