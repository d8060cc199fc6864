import { randomUUID } from 'node:crypto';
import { ApiKeyService, OPERATOR_ROLES, OperatorRole } from '@tenantry/operator-auth';
import { TenantRegistry } from '@tenantry/tenants';
import {
  alteredCursors,
  GeneratedValue,
  invalidBodies,
  invalidPathValues,
  invalidQueryValues,
  MUTATING_METHODS,
  OpenApiDocument,
  Operation,
  operationsOf,
  SeededRandom,
  startTestApp,
  TestApp,
  validBodies,
  validValue,
} from '@tenantry/testing';

interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly text: string;
  readonly requestId: string | null;
  readonly allow: string | null;
}

interface RequestOptions {
  readonly key?: string;
  readonly authorization?: string;
  /** Sent as is: the generator makes bodies that are not JSON too. */
  readonly body?: string;
  readonly headers?: Record<string, string>;
}

/** A JSON body sent with headers that describe it wrongly, or in what the server may not read. */
const BODY_HEADERS: Record<string, string>[] = [
  { 'content-type': 'text/plain' },
  { 'content-type': 'application/x-www-form-urlencoded' },
  { 'content-type': 'application/json; charset=latin1' },
  { 'content-type': 'application/json; charset=utf-16' },
  { 'content-type': 'application/json', 'content-encoding': 'gzip' },
  { 'content-type': 'application/json', 'content-encoding': 'br' },
  { 'content-type': 'application/json', 'content-encoding': 'compress' },
];

/**
 * The operator API's contract, checked from its own OpenAPI document: every operation there
 * (routes added later included, nobody lists them here) refuses a missing key and a role below
 * the one it declares, answers any input that breaks its schema with a 4xx problem document, never
 * a 5xx, and leaves an audit event for every mutation. Inputs come from the operation's schemas
 * through a seeded generator, so a run is repeatable and a schema change changes the inputs.
 */
describe('operator API contract, from the OpenAPI document', () => {
  let platform: TestApp;
  let operations: Operation[];
  const keys = new Map<OperatorRole, string>();
  let admin: string;

  beforeAll(async () => {
    // No worker serves the job and onboarding queues: a run or a verification stays where the
    // API put it, so what each mutation finds does not depend on timing. Wrong keys are presented
    // on purpose: the guessing limit (auth-limits.e2e-spec.ts tests it) is lifted so they stay 401s.
    platform = await startTestApp({ env: { WORKER_QUEUES: 'system', AUTH_MAX_FAILURES_PER_MINUTE: '10000' } });
    for (const role of OPERATOR_ROLES) keys.set(role, await platform.keyFor(role));
    admin = keys.get('admin') as string;
    const document = (await (await fetch(`${platform.baseUrl}/docs/openapi.json`)).json()) as OpenApiDocument;
    operations = operationsOf(document);
    // Two tenants, so their list has a second page and a real cursor to alter.
    await seedTenant();
    await seedTenant();
  });

  /** The one resource the API cannot create: a tenant arrives through admin consent (pending). */
  const seedTenant = async (): Promise<string> => {
    const tenantId = randomUUID();
    const name = `contract-${tenantId.slice(0, 8)}`;
    await platform.app
      .get(TenantRegistry)
      .recordConsent(
        { tenantId, displayName: name, primaryDomain: `${name}.example`, consentedAt: new Date() },
        'test',
      );
    return tenantId;
  };

  afterAll(() => platform.close());

  const send = async (method: string, path: string, options: RequestOptions = {}): Promise<Answer> => {
    const authorization = options.authorization ?? (options.key ? `Bearer ${options.key}` : undefined);
    const response = await fetch(platform.baseUrl + path, {
      method,
      headers: {
        ...(authorization === undefined ? {} : { authorization }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.headers,
      },
      body: options.body,
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
      requestId: response.headers.get('x-request-id'),
      allow: response.headers.get('allow'),
    };
  };

  const secured = () => operations.filter((operation) => operation.operation['x-required-role'] !== undefined);
  const requiredRole = (operation: Operation) => operation.operation['x-required-role'] as OperatorRole;

  /** The path with every parameter given a well-formed value from its schema (naming nothing). */
  const wellFormedPath = (operation: Operation) =>
    operation.pathParameters.reduce(
      (path, parameter) =>
        path.replace(`{${parameter.name}}`, encodeURIComponent(String(validValue(parameter.schema ?? {})))),
      operation.path,
    );

  /**
   * The path with every parameter naming a real resource, found through the document alone: the
   * collection a parameter follows is listed (its GET) or, when empty, added to (its POST). With
   * `fresh`, the last parameter names a resource made for the purpose, so a DELETE never removes
   * one the test itself stands on (its own API keys). `values` may fix some parameters up front,
   * and receives what each of the others got.
   */
  const resolvedPath = async (
    operation: Operation,
    fresh = false,
    except?: string,
    values: Record<string, string> = {},
  ): Promise<string> => {
    let path = operation.path;
    for (const [index, parameter] of operation.pathParameters.entries()) {
      if (parameter.name === except) continue;
      if (values[parameter.name] !== undefined) {
        path = path.replace(`{${parameter.name}}`, encodeURIComponent(values[parameter.name]));
        continue;
      }
      const collection = path.slice(0, path.indexOf(`{${parameter.name}}`) - 1);
      const template = operation.path.slice(0, operation.path.indexOf(`{${parameter.name}}`) - 1);
      const last = index === operation.pathParameters.length - 1;
      const id =
        (fresh && last ? undefined : await listedId(template, collection, parameter.name)) ??
        (await createdId(template, collection, parameter.name)) ??
        String(validValue(parameter.schema ?? {}));
      values[parameter.name] = id;
      path = path.replace(`{${parameter.name}}`, encodeURIComponent(id));
    }
    return path;
  };

  const idOf = (item: unknown, name: string): string | undefined => {
    if (typeof item !== 'object' || item === null) return undefined;
    const record = item as Record<string, unknown>;
    const id = record[name] ?? record.id;
    return id === undefined || id === null ? undefined : String(id);
  };

  const listedId = async (template: string, collection: string, name: string) => {
    if (!operations.some((candidate) => candidate.method === 'GET' && candidate.path === template)) return undefined;
    const answer = await send('GET', collection, { key: admin });
    if (answer.status !== 200) return undefined;
    const body = JSON.parse(answer.text) as unknown;
    const items = Array.isArray(body) ? body : ((body as { items?: unknown[] }).items ?? []);
    return idOf(items[0], name);
  };

  const createdId = async (template: string, collection: string, name: string) => {
    const create = operations.find((candidate) => candidate.method === 'POST' && candidate.path === template);
    if (!create) return undefined;
    const answer = await send('POST', collection, { key: admin, body: JSON.stringify(validBodies(create)[0]) });
    return answer.status >= 200 && answer.status < 300 ? idOf(JSON.parse(answer.text), name) : undefined;
  };

  const isProblem = (answer: Answer) => {
    if (!answer.type?.startsWith('application/problem+json')) return false;
    const problem = JSON.parse(answer.text) as { type?: unknown; status?: unknown; code?: unknown };
    return typeof problem.type === 'string' && problem.status === answer.status && typeof problem.code === 'string';
  };

  /** The `nextCursor` of a first page of one item, when the list has a second. */
  const firstCursor = async (path: string): Promise<string | undefined> => {
    const answer = await send('GET', `${path}?limit=1`, { key: admin });
    if (answer.status !== 200) return undefined;
    const cursor = (JSON.parse(answer.text) as { nextCursor?: unknown }).nextCursor;
    return typeof cursor === 'string' ? cursor : undefined;
  };

  it('declares for every operation the least role it needs or that it is public, and what a mutation audits', () => {
    expect(operations.filter((operation) => MUTATING_METHODS.has(operation.method)).length).toBeGreaterThan(0);
    const undeclared = operations
      .filter((operation) => {
        const role = operation.operation['x-required-role'];
        const isPublic = operation.operation['x-public'] === true;
        if (isPublic) return role !== undefined;
        return (
          !OPERATOR_ROLES.includes(role as OperatorRole) ||
          !operation.operation.security?.some((requirement) => 'bearer' in requirement) ||
          !operation.operation.responses?.['401'] ||
          !operation.operation.responses?.['403']
        );
      })
      .map((operation) => operation.name);
    expect(undeclared).toEqual([]);
    // The body parser's refusals come before any route: each route that takes a body declares them.
    const bodyRefusalsUndeclared = operations
      .filter((operation) => MUTATING_METHODS.has(operation.method))
      .filter((operation) => !operation.operation.responses?.['413'] || !operation.operation.responses?.['415'])
      .map((operation) => operation.name);
    expect(bodyRefusalsUndeclared).toEqual([]);
    const unaudited = operations.filter(
      (operation) =>
        MUTATING_METHODS.has(operation.method) &&
        operation.operation['x-public'] !== true &&
        !operation.operation['x-audit-action'],
    );
    expect(unaudited.map((operation) => operation.name)).toEqual([]);
  });

  it('documents every {tenantId} as the GUID it must be', () => {
    const tenantScoped = operations.filter((operation) =>
      operation.pathParameters.some((parameter) => parameter.name === 'tenantId'),
    );
    expect(tenantScoped.length).toBeGreaterThan(10);
    const loose = tenantScoped.filter((operation) =>
      operation.pathParameters.some(
        (parameter) =>
          parameter.name === 'tenantId' && (parameter.schema?.type !== 'string' || parameter.schema.format !== 'uuid'),
      ),
    );
    expect(loose.map((operation) => operation.name)).toEqual([]);
  });

  it('answers 401 problem+json to every secured operation without a valid key', async () => {
    const random = new SeededRandom(401);
    const revoked = await platform.app.get(ApiKeyService).create('contract-revoked', 'admin', 'test');
    await platform.app.get(ApiKeyService).revoke(revoked.apiKey.id);
    const credentials = [
      `Bearer ${revoked.key}`,
      `Bearer tnty_${randomUUID()}`,
      `Bearer ${admin.slice(0, -1)}${admin.endsWith('A') ? 'B' : 'A'}`,
      `Basic ${Buffer.from('admin:admin').toString('base64')}`,
      'Bearer',
      `Bearer ${'a'.repeat(8000)}`,
      `bearer  ${admin} extra`,
      `Token ${admin}`,
    ];
    const failures: unknown[] = [];
    for (const operation of secured()) {
      const path = wellFormedPath(operation);
      for (const authorization of [undefined, random.pick(credentials)]) {
        const answer = await send(operation.method, path, { authorization });
        if (answer.status !== 401 || !isProblem(answer)) {
          failures.push({
            operation: operation.name,
            authorization: authorization?.slice(0, 40),
            status: answer.status,
          });
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('lets public operations through without a key', async () => {
    for (const operation of operations.filter((candidate) => candidate.operation['x-public'] === true)) {
      const answer = await send(operation.method, wellFormedPath(operation));
      expect({ operation: operation.name, status: answer.status }).toEqual({ operation: operation.name, status: 200 });
    }
  });

  it('answers 403 problem+json to every role below the one an operation declares', async () => {
    const failures: unknown[] = [];
    let checked = 0;
    for (const operation of secured()) {
      const below = OPERATOR_ROLES.slice(0, OPERATOR_ROLES.indexOf(requiredRole(operation)));
      for (const role of below) {
        const body = operation.body ? JSON.stringify(validBodies(operation)[0]) : undefined;
        const answer = await send(operation.method, wellFormedPath(operation), { key: keys.get(role), body });
        checked += 1;
        const code = isProblem(answer) ? (JSON.parse(answer.text) as { code: string }).code : undefined;
        if (answer.status !== 403 || code !== 'insufficient_role') {
          failures.push({ operation: operation.name, role, status: answer.status, code });
        }
      }
    }
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(0);
  });

  /**
   * Checks one generated input's answer: never a 5xx, every refusal a problem document, and an
   * input the document calls invalid refused — a bad path names nothing (400 or 404); a bad query
   * or body is refused as such, never handed to the domain, where a 404 or 409 would only hide
   * that it was accepted.
   */
  const checkAnswer = (
    failures: unknown[],
    operation: Operation,
    where: 'path' | 'query' | 'body' | 'method',
    input: GeneratedValue<unknown>,
    answer: Answer,
  ) => {
    const refusals = { path: [400, 404], query: [400], body: [400, 413, 415], method: [405] };
    const refused = answer.status >= 400 && answer.status < 500;
    const fine =
      answer.status < 500 &&
      (!refused || isProblem(answer)) &&
      (input.must === 'survive' || refusals[where].includes(answer.status));
    if (!fine) {
      failures.push({
        operation: operation.name,
        input: `${where} ${input.label}`.slice(0, 160),
        status: answer.status,
        type: answer.type,
        body: answer.text.slice(0, 200),
      });
    }
  };

  it('answers generated invalid path parameters with a 4xx problem, never a 5xx', async () => {
    const random = new SeededRandom(400);
    const failures: unknown[] = [];
    for (const operation of secured()) {
      const [validBody] = validBodies(operation);
      const body = validBody === undefined ? undefined : JSON.stringify(validBody);
      for (const parameter of operation.pathParameters) {
        const others = await resolvedPath(operation, false, parameter.name);
        for (const input of invalidPathValues(parameter.schema ?? {}, random)) {
          const path = others.replace(`{${parameter.name}}`, input.value);
          const answer = await send(operation.method, path, { key: admin, body });
          checkAnswer(failures, operation, 'path', { ...input, label: `${parameter.name}: ${input.label}` }, answer);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  // Before the query parameters: the runs some of these bodies queue give the run lists a second
  // page, so their cursors are altered too.
  it('answers generated invalid bodies with a 4xx problem, never a 5xx', async () => {
    const random = new SeededRandom(402);
    const failures: unknown[] = [];
    for (const operation of secured().filter((candidate) => candidate.body !== undefined)) {
      const path = await resolvedPath(operation);
      for (const valid of validBodies(operation)) {
        for (const input of invalidBodies(operation.body ?? {}, valid as Record<string, unknown>, random)) {
          checkAnswer(
            failures,
            operation,
            'body',
            input,
            await send(operation.method, path, { key: admin, body: input.value }),
          );
        }
      }
      const [valid] = validBodies(operation);
      const tooLarge = JSON.stringify({
        ...(valid as object),
        padding: 'x'.repeat(platform.config.http.bodyLimitBytes),
      });
      const input = { label: 'larger than the body limit', value: tooLarge, must: 'refuse' } as const;
      checkAnswer(
        failures,
        operation,
        'body',
        input,
        await send(operation.method, path, { key: admin, body: tooLarge }),
      );
      for (const headers of BODY_HEADERS) {
        const answer = await send(operation.method, path, { key: admin, body: JSON.stringify(valid), headers });
        checkAnswer(
          failures,
          operation,
          'body',
          { label: JSON.stringify(headers), value: headers, must: 'refuse' },
          answer,
        );
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers generated invalid query parameters with a 4xx problem, never a 5xx', async () => {
    const random = new SeededRandom(401);
    const failures: unknown[] = [];
    for (const operation of secured().filter((candidate) => candidate.queryParameters.length > 0)) {
      const path = await resolvedPath(operation);
      for (const parameter of operation.queryParameters) {
        const inputs = [
          ...invalidQueryValues(parameter.schema ?? {}, random),
          // The design's keyset pagination: a real cursor of this list, then altered.
          ...(parameter.name === 'cursor' ? alteredCursors(await firstCursor(path)) : []),
        ];
        for (const input of inputs) {
          const query = input.value.map((value) => `${encodeURIComponent(parameter.name)}=${value}`).join('&');
          const answer = await send(operation.method, `${path}?${query}`, { key: admin });
          checkAnswer(failures, operation, 'query', { ...input, label: `${parameter.name}: ${input.label}` }, answer);
        }
      }
      const unknown: GeneratedValue<string> = { label: 'an unknown parameter', value: 'x', must: 'refuse' };
      checkAnswer(
        failures,
        operation,
        'query',
        unknown,
        await send(operation.method, `${path}?unknownParameter=1`, { key: admin }),
      );
    }
    expect(failures).toEqual([]);
  });

  it('answers methods the document does not list on its paths with 405 and the methods it does list', async () => {
    const failures: unknown[] = [];
    // A concrete path can fit several templates (`/tenants/totals` and `/tenants/{tenantId}`).
    const fits = (template: string, path: string) =>
      new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path);
    for (const operation of secured()) {
      const path = wellFormedPath(operation);
      const listed = new Set(operations.filter((other) => fits(other.path, path)).map((other) => other.method));
      const allow = [...listed, ...(listed.has('GET') ? ['HEAD'] : [])].sort().join(', ');
      for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((candidate) => !listed.has(candidate))) {
        const answer = await send(method, path, { key: admin, body: method === 'GET' ? undefined : '{}' });
        checkAnswer(failures, operation, 'method', { label: method, value: method, must: 'refuse' }, answer);
        const code = isProblem(answer) ? (JSON.parse(answer.text) as { code: string }).code : undefined;
        if (answer.allow !== allow || code !== 'method_not_allowed') {
          failures.push({ operation: operation.name, method, allow: answer.allow, expected: allow, code });
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('leaves an audit event for every mutation, and lets each one succeed with valid input', async () => {
    const mutations = secured().filter((operation) => MUTATING_METHODS.has(operation.method));
    const failures: unknown[] = [];

    /** Sends the mutation with valid input on the tenant; checks its audit event; true if it succeeded. */
    const mutate = async (operation: Operation, tenantId: string): Promise<boolean> => {
      const values: Record<string, string> = { tenantId };
      const path = await resolvedPath(operation, operation.method === 'DELETE', undefined, values);
      const [example] = validBodies(operation);
      // A body field named after a path parameter (`confirmTenantId`) repeats it: the real value.
      const repeated = (field: string) =>
        Object.keys(values).find((name) => field.toLowerCase().endsWith(name.toLowerCase()));
      const body =
        typeof example === 'object' && example !== null
          ? Object.fromEntries(
              Object.entries(example).map(([field, value]) => [field, values[repeated(field) ?? ''] ?? value]),
            )
          : example;
      const answer = await send(operation.method, path, {
        key: keys.get(requiredRole(operation)),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const events = await platform.dataSource.query<{ action: string; outcome: string }[]>(
        'SELECT action, outcome FROM audit_events WHERE request_id = $1',
        [answer.requestId],
      );
      const action = operation.operation['x-audit-action'];
      const succeeded = answer.status >= 200 && answer.status < 300;
      if (answer.status === 400 || answer.status >= 500) {
        failures.push({ operation: operation.name, path, status: answer.status, body: answer.text.slice(0, 300) });
      } else if (
        // Refused by the domain (no such thing, a conflict), the attempt is audited as a failure.
        events.length !== 1 ||
        events[0].outcome !== (succeeded ? 'success' : 'failure') ||
        events[0].action !== action
      ) {
        failures.push({ operation: operation.name, status: answer.status, events });
      }
      return succeeded;
    };

    // A mutation may need others first (a run is retried once cancelled, a tenant resumed once
    // paused): on a tenant of its own, each is tried alone, then again after each of the others in
    // document order, until it succeeds. The test knows no route, only the document's order.
    const neverSucceeded: string[] = [];
    for (const operation of mutations) {
      const tenantId = await seedTenant();
      let succeeded = await mutate(operation, tenantId);
      for (const other of mutations) {
        if (succeeded) break;
        if (other === operation) continue;
        await mutate(other, tenantId);
        succeeded = await mutate(operation, tenantId);
      }
      if (!succeeded) neverSucceeded.push(operation.name);
    }
    expect(failures).toEqual([]);
    expect(neverSucceeded).toEqual([]);
  });
});
