import { OPERATOR_ROLES, OperatorRole } from '@tenantry/operator-auth';
import { startTestApp, TestApp } from '@tenantry/testing';

interface OpenApiOperation {
  'x-required-role'?: OperatorRole;
}
type OpenApiDocument = { paths: Record<string, Record<string, OpenApiOperation>> };

const SAMPLE_PARAMETERS: Record<string, string> = {
  tenantId: '00000000-0000-4000-8000-000000000001',
  apiKeyId: '00000000-0000-4000-8000-000000000002',
  jobId: '9007199254740993',
  scheduleId: '00000000-0000-4000-8000-000000000003',
};

/**
 * Enumerates the operations from the OpenAPI document, so a route added later is covered
 * without anyone remembering to add it here.
 */
describe('operator API route security', () => {
  let platform: TestApp;
  let operations: { method: string; path: string; url: string; role: OperatorRole | undefined }[];
  const keys = new Map<OperatorRole, string>();

  beforeAll(async () => {
    // This suite presents a wrong key to every operation on purpose: lift the guessing limit
    // (auth-limits.e2e-spec.ts tests it) so those stay 401s.
    platform = await startTestApp({ env: { AUTH_MAX_FAILURES_PER_MINUTE: '10000' } });
    for (const role of OPERATOR_ROLES) keys.set(role, await platform.keyFor(role));
    const document = (await (await fetch(`${platform.baseUrl}/docs/openapi.json`)).json()) as OpenApiDocument;
    operations = Object.entries(document.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({
          method: method.toUpperCase(),
          path,
          url: platform.baseUrl + path.replace(/\{(\w+)\}/g, (_match, name: string) => SAMPLE_PARAMETERS[name] ?? 'x'),
          role: operation['x-required-role'],
        })),
      );
  });

  afterAll(() => platform.close());

  it('finds the operator routes in the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(7);
    expect(operations.map((operation) => `${operation.method} ${operation.path}`)).toEqual(
      expect.arrayContaining(['GET /api/v1/tenants', 'GET /api/v1/tenants/{tenantId}']),
    );
  });

  it('declares the least role of every operation', () => {
    const undeclared = operations.filter((operation) => !operation.role).map((operation) => operation.path);
    expect(undeclared).toEqual([]);
  });

  it('answers 401 problem+json to every operation without a key, or with an unknown one', async () => {
    for (const operation of operations) {
      for (const headers of [
        {},
        { authorization: 'Bearer tnty_not-a-real-key' },
        { authorization: 'Basic abc' },
      ] as Record<string, string>[]) {
        const response = await fetch(operation.url, { method: operation.method, headers });
        expect({ route: `${operation.method} ${operation.path}`, status: response.status }).toEqual({
          route: `${operation.method} ${operation.path}`,
          status: 401,
        });
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      }
    }
  });

  it('answers 403 to every role below the one an operation needs', async () => {
    let checked = 0;
    for (const operation of operations) {
      const required = OPERATOR_ROLES.indexOf(operation.role as OperatorRole);
      for (const role of OPERATOR_ROLES.slice(0, required)) {
        const response = await fetch(operation.url, {
          method: operation.method,
          headers: { authorization: `Bearer ${keys.get(role)}`, 'content-type': 'application/json' },
          body: operation.method === 'GET' ? undefined : '{}',
        });
        expect({ route: `${operation.method} ${operation.path}`, role, status: response.status }).toEqual({
          route: `${operation.method} ${operation.path}`,
          role,
          status: 403,
        });
        const problem = (await response.json()) as { code: string };
        expect(problem.code).toBe('insufficient_role');
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('lets the required role through the guard', async () => {
    for (const operation of operations.filter((candidate) => candidate.method === 'GET')) {
      const response = await fetch(operation.url, {
        headers: { authorization: `Bearer ${keys.get(operation.role as OperatorRole)}` },
      });
      expect([200, 404]).toContain(response.status);
    }
  });

  it('keeps health, metrics and docs public', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics', '/docs/openapi.json']) {
      expect((await fetch(platform.baseUrl + path)).status).toBe(200);
    }
    const metrics = await (await fetch(`${platform.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /^tenantry_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/tenants",status="401"\} \d+/m,
    );
    expect(metrics).toContain('process_cpu_seconds_total');
  });
});
