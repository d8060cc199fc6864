import { randomUUID } from 'node:crypto';
import { TenantRegistry } from '@tenantry/tenants';
import { runEntryPoint, startTestApp, TestApp } from '@tenantry/testing';

interface JobRun {
  id: string;
  tenantId: string;
  type: string;
  status: string;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
  idempotencyKey: string | null;
  enqueuedBy: string;
  errorCode: string | null;
  progress: Record<string, number> | null;
  created?: boolean;
}

interface Page {
  items: JobRun[];
  nextCursor: string | null;
}

interface Problem {
  status: number;
  code: string;
  type: string;
  detail: string;
}

describe('operator API: jobs', () => {
  let platform: TestApp;
  let viewer: string;
  let operator: string;
  let registry: TenantRegistry;

  beforeAll(async () => {
    platform = await startTestApp({ env: { JOBS_POLL_INTERVAL_MS: '50' } });
    viewer = await platform.keyFor('viewer');
    operator = await platform.keyFor('operator');
    registry = platform.app.get(TenantRegistry);
  });

  afterAll(() => platform.close());

  const get = <T>(path: string, key = viewer) => platform.request<T>('GET', path, { key });
  const post = <T>(path: string, body?: unknown, key = operator) => platform.request<T>('POST', path, { key, body });
  const enqueue = (tenantId: string, body: unknown = { type: 'tenant.token-check' }) =>
    post<JobRun>(`/api/v1/tenants/${tenantId}/jobs`, body);

  /**
   * A demo tenant of the simulator whose admin consented, active as tests/api/tenants does it,
   * once the directory sync its activation enqueues has finished (so counts below are the test's).
   */
  const activeDemoTenant = async (index: number) => {
    const demo = platform.sim.demo.tenants.filter((tenant) => tenant.consented)[index];
    await registry.recordConsent({ tenantId: demo.tenantId, consentedAt: new Date() }, 'test');
    await registry.transition(demo.tenantId, 'active', { reason: 'consent_verified', actor: 'test' });
    for (let waited = 0; ; waited += 1) {
      const [{ unfinished }] = await platform.dataSource.query<{ unfinished: number }[]>(
        `SELECT count(*)::int AS unfinished FROM job_runs
         WHERE tenant_id = $1 AND status IN ('queued', 'dispatched', 'running')`,
        [demo.tenantId],
      );
      if (unfinished === 0) return demo.tenantId;
      if (waited > 300) throw new Error(`the activation runs of ${demo.tenantId} never finished`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  /** A tenant whose consent is not proven yet: its runs stay queued. */
  const pendingTenant = async () =>
    (await registry.recordConsent({ tenantId: randomUUID(), consentedAt: new Date() }, 'test')).tenantId;

  const waitForStatus = async (id: string, wanted: string) => {
    for (let waited = 0; waited < 300; waited += 1) {
      const { body } = await get<JobRun>(`/api/v1/jobs/${id}`);
      if (body.status === wanted) return body;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`run ${id} never became ${wanted}`);
  };

  /** The tenant's queued count, and its runs actually queued: equal, always. */
  const queuedCounts = async (tenantId: string) => {
    const [row] = await platform.dataSource.query<{ counted: number; actual: number }[]>(
      `SELECT (SELECT queued FROM tenant_job_queues WHERE tenant_id = $1) AS counted,
              (SELECT count(*)::int FROM job_runs WHERE tenant_id = $1 AND status = 'queued') AS actual`,
      [tenantId],
    );
    return row;
  };

  it('runs a job enqueued through the API for a consented tenant, and shows its history', async () => {
    const tenantId = await activeDemoTenant(0);

    const queued = await enqueue(tenantId, { type: 'tenant.token-check', payload: { forceRefresh: true } });
    expect(queued).toMatchObject({
      status: 202,
      body: {
        created: true,
        tenantId,
        type: 'tenant.token-check',
        payload: { forceRefresh: true },
        maxAttempts: 3,
        idempotencyKey: null,
        enqueuedBy: expect.stringMatching(/^api:[0-9a-f-]{36}$/),
      },
    });
    expect(queued.type).toMatch(/^application\/json/);

    const done = await waitForStatus(queued.body.id, 'succeeded');
    expect(done).toMatchObject({ attempts: 1, errorCode: null, progress: { roles: expect.any(Number) } });
    expect(done.progress?.roles).toBeGreaterThan(0);
    // The view is the history, never the dispatcher's internals.
    expect(Object.keys(done)).not.toEqual(expect.arrayContaining(['dispatchId']));
    expect(Object.keys(done)).not.toEqual(expect.arrayContaining(['leaseExpiresAt']));

    const retried = await post<Problem>(`/api/v1/jobs/${queued.body.id}/retry`);
    expect(retried).toMatchObject({ status: 409, body: { code: 'job_run_not_retryable' } });
    const cancelled = await post<Problem>(`/api/v1/jobs/${queued.body.id}/cancel`);
    expect(cancelled).toMatchObject({ status: 409, body: { code: 'job_run_not_cancellable' } });

    const audit = await platform.dataSource.query<{ action: string; outcome: string; target_id: string }[]>(
      `SELECT action, outcome, target_id FROM audit_events WHERE action LIKE 'job_run.%' AND
         (tenant_id = $1 OR target_id = $2) ORDER BY id`,
      [tenantId, queued.body.id],
    );
    expect(audit).toEqual([
      { action: 'job_run.enqueue', outcome: 'success', target_id: tenantId },
      { action: 'job_run.retry', outcome: 'failure', target_id: queued.body.id },
      { action: 'job_run.cancel', outcome: 'failure', target_id: queued.body.id },
    ]);
  });

  it('enqueues once per idempotency key: a repeat answers 200 with the first run', async () => {
    const tenantId = await pendingTenant();
    const body = { type: 'tenant.token-check', idempotencyKey: 'nightly:2025-05-01' };
    const first = await enqueue(tenantId, body);
    const again = await enqueue(tenantId, body);
    expect(first).toMatchObject({ status: 202, body: { created: true, idempotencyKey: 'nightly:2025-05-01' } });
    expect(again).toMatchObject({ status: 200, body: { created: false, id: first.body.id } });
    // Another tenant's key space is its own.
    const other = await enqueue(await pendingTenant(), body);
    expect(other).toMatchObject({ status: 202, body: { created: true } });
    expect(await queuedCounts(tenantId)).toEqual({ counted: 1, actual: 1 });
  });

  it('lists runs newest first, page by page, per tenant or across them, filtered', async () => {
    const tenantId = await pendingTenant();
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) ids.push((await enqueue(tenantId)).body.id);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await get<Page>(`/api/v1/tenants/${tenantId.toUpperCase()}/jobs${query}`);
      expect(status).toBe(200);
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items.map((run) => run.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const list = async (path: string) => {
      const { status, body } = await get<Page>(path);
      expect(status).toBe(200);
      return body.items.map((run) => run.id);
    };
    const base = `/api/v1/tenants/${tenantId}/jobs`;
    expect(await list(`${base}?status=queued,running`)).toHaveLength(5);
    expect(await list(`${base}?status=succeeded,failed`)).toEqual([]);
    expect(await list(`${base}?type=tenant.token-check`)).toHaveLength(5);
    expect(await list(`${base}?type=other.type`)).toEqual([]);
    const future = new Date(Date.now() + 60_000).toISOString();
    expect(await list(`${base}?from=${future}`)).toEqual([]);
    expect(await list(`${base}?to=${future}`)).toHaveLength(5);
    expect(await list(`${base}?to=2000-01-01T00:00:00Z`)).toEqual([]);

    await post(`/api/v1/jobs/${ids[2]}/cancel`);
    expect(await list(`${base}?status=cancelled`)).toEqual([ids[2]]);
    // Across tenants: the same runs, among others.
    const everything = await list('/api/v1/jobs?limit=200&status=queued');
    expect(everything).toEqual(expect.arrayContaining([ids[0], ids[1], ids[3], ids[4]]));
    expect(everything).not.toContain(ids[2]);
  });

  it('cancels a queued run of a paused tenant keeping its queued count exact, and retries it to success', async () => {
    const tenantId = await activeDemoTenant(1);
    expect((await post(`/api/v1/tenants/${tenantId}/pause`, {})).status).toBe(200);
    const runs = [await enqueue(tenantId), await enqueue(tenantId), await enqueue(tenantId)].map((run) => run.body);
    expect(runs.map((run) => run.status)).toEqual(['queued', 'queued', 'queued']);
    expect(await queuedCounts(tenantId)).toEqual({ counted: 3, actual: 3 });

    const cancelled = await post<JobRun>(`/api/v1/jobs/${runs[1].id}/cancel`);
    expect(cancelled).toMatchObject({
      status: 200,
      body: { id: runs[1].id, status: 'cancelled', errorCode: 'cancelled_by_operator' },
    });
    expect(await queuedCounts(tenantId)).toEqual({ counted: 2, actual: 2 });
    expect(await post<Problem>(`/api/v1/jobs/${runs[1].id}/cancel`)).toMatchObject({
      status: 409,
      body: { code: 'job_run_not_cancellable' },
    });

    const retried = await post<JobRun>(`/api/v1/jobs/${runs[1].id}/retry`);
    expect(retried).toMatchObject({
      status: 200,
      body: { status: 'queued', attempts: 0, errorCode: null, progress: null },
    });
    expect(await queuedCounts(tenantId)).toEqual({ counted: 3, actual: 3 });
    expect(await post<Problem>(`/api/v1/jobs/${runs[1].id}/retry`)).toMatchObject({
      status: 409,
      body: { code: 'job_run_not_retryable' },
    });

    expect((await post(`/api/v1/tenants/${tenantId}/resume`, {})).status).toBe(200);
    for (const run of runs) await waitForStatus(run.id, 'succeeded');
    expect(await queuedCounts(tenantId)).toEqual({ counted: 0, actual: 0 });
  });

  it('refuses to retry a run of an offboarded tenant', async () => {
    const tenantId = await pendingTenant();
    const { body: run } = await enqueue(tenantId);
    await registry.transition(tenantId, 'offboarded', { reason: 'operator_offboarded', actor: 'test' });
    // Offboarding cancelled the queued run.
    expect((await get<JobRun>(`/api/v1/jobs/${run.id}`)).body).toMatchObject({ status: 'cancelled' });
    expect(await queuedCounts(tenantId)).toEqual({ counted: 0, actual: 0 });

    expect(await post<Problem>(`/api/v1/jobs/${run.id}/retry`)).toMatchObject({
      status: 409,
      body: { code: 'tenant_not_accepting_jobs' },
    });
    expect(await enqueue(tenantId)).toMatchObject({ status: 409, body: { code: 'tenant_not_accepting_jobs' } });
    expect(await queuedCounts(tenantId)).toEqual({ counted: 0, actual: 0 });
  });

  it('answers 429 once the tenant has as many queued jobs as it may', async () => {
    const tenantId = await pendingTenant();
    await platform.dataSource.query('UPDATE tenants SET max_queued_jobs = 2 WHERE tenant_id = $1', [tenantId]);
    expect((await enqueue(tenantId)).status).toBe(202);
    expect((await enqueue(tenantId)).status).toBe(202);
    expect(await enqueue(tenantId)).toMatchObject({
      status: 429,
      type: expect.stringMatching(/^application\/problem\+json/),
      body: { code: 'too_many_queued_jobs', type: 'https://tenantry.dev/problems/too_many_queued_jobs' },
    });
    expect(await queuedCounts(tenantId)).toEqual({ counted: 2, actual: 2 });
  });

  it.each([
    ['an unknown job type', { type: 'no.such-type' }, 'unknown_job_type'],
    [
      'a payload that does not fit',
      { type: 'tenant.token-check', payload: { forceRefresh: 'yes' } },
      'invalid_job_payload',
    ],
    [
      'a payload field the type does not know',
      { type: 'tenant.token-check', payload: { forceRefresh: true, forceRefesh: true } },
      'invalid_job_payload',
    ],
    [
      'a secret in the payload',
      { type: 'tenant.token-check', payload: { clientSecret: 'hunter2' } },
      'invalid_job_payload',
    ],
    [
      'a token in the payload',
      { type: 'tenant.token-check', payload: { note: 'eyJhbGciOi.eyJzdWIiOi.c2ln' } },
      'invalid_job_payload',
    ],
    ['a payload that is not an object', { type: 'tenant.token-check', payload: [1, 2] }, 'invalid_request'],
    ['a bad idempotency key', { type: 'tenant.token-check', idempotencyKey: 'has spaces' }, 'invalid_request'],
    ['an overlong idempotency key', { type: 'tenant.token-check', idempotencyKey: 'k'.repeat(201) }, 'invalid_request'],
    ['an unknown field', { type: 'tenant.token-check', priority: 1 }, 'invalid_request'],
    ['no type', {}, 'invalid_request'],
  ])('refuses to enqueue %s with 400, queueing nothing', async (_case, body, code) => {
    const tenantId = await pendingTenant();
    const response = await enqueue(tenantId, body);
    expect(response).toMatchObject({
      status: 400,
      type: expect.stringMatching(/^application\/problem\+json/),
      body: { status: 400, code },
    });
    expect(JSON.stringify(response.body)).not.toContain('hunter2');
    const [{ n }] = await platform.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM job_runs WHERE tenant_id = $1',
      [tenantId],
    );
    expect(n).toBe(0);
  });

  it('answers 400 for ids and queries that cannot be, and 404 for what does not exist', async () => {
    for (const id of ['abc', '0', '-1', '1.5', '007', '9223372036854775808', '1e3']) {
      expect({ id, ...(await get<Problem>(`/api/v1/jobs/${id}`)) }).toMatchObject({
        id,
        status: 400,
        body: { code: 'invalid_request' },
      });
      expect((await post<Problem>(`/api/v1/jobs/${id}/cancel`)).status).toBe(400);
      expect((await post<Problem>(`/api/v1/jobs/${id}/retry`)).status).toBe(400);
    }
    for (const id of ['9223372036854775807', '987654321']) {
      expect(await get<Problem>(`/api/v1/jobs/${id}`)).toMatchObject({
        status: 404,
        body: { code: 'job_run_not_found' },
      });
      expect(await post<Problem>(`/api/v1/jobs/${id}/cancel`)).toMatchObject({ status: 404 });
      expect(await post<Problem>(`/api/v1/jobs/${id}/retry`)).toMatchObject({ status: 404 });
    }

    const unknownTenant = randomUUID();
    expect(await get<Problem>(`/api/v1/tenants/${unknownTenant}/jobs`)).toMatchObject({
      status: 404,
      body: { code: 'tenant_not_found' },
    });
    expect(await enqueue(unknownTenant)).toMatchObject({ status: 404, body: { code: 'tenant_not_found' } });
    expect((await get<Problem>('/api/v1/tenants/not-a-guid/jobs')).status).toBe(400);

    for (const query of ['status=bogus', 'limit=0', 'limit=201', 'limit=abc', 'from=yesterday', 'to=2025-02-30']) {
      expect({ query, ...(await get<Problem>(`/api/v1/jobs?${query}`)) }).toMatchObject({
        query,
        status: 400,
        body: { code: 'invalid_request' },
      });
    }
    expect(await get<Problem>('/api/v1/jobs?cursor=garbage')).toMatchObject({
      status: 400,
      body: { code: 'invalid_cursor' },
    });
  });

  it('describes the job types with their options and payload schema', async () => {
    const { status, body } = await get<Record<string, unknown>[]>('/api/v1/job-types');
    expect(status).toBe(200);
    expect(body).toEqual([
      {
        name: 'directory.users-sync',
        attempts: 5,
        backoff: { delayMs: 5000, maxDelayMs: 600_000 },
        timeoutMs: 7_200_000,
        concurrencyPerTenant: 1,
        payloadSchema: expect.objectContaining({
          type: 'object',
          properties: { full: { type: 'boolean', default: false } },
          additionalProperties: false,
        }),
      },
      {
        name: 'tenant.token-check',
        attempts: 3,
        backoff: { delayMs: 1000, maxDelayMs: 600_000 },
        timeoutMs: 900_000,
        concurrencyPerTenant: 1,
        payloadSchema: expect.objectContaining({
          type: 'object',
          properties: { forceRefresh: { type: 'boolean', default: false } },
        }),
      },
    ]);
  });

  it('lists runs from the CLI and refuses bad input there in one line', async () => {
    const tenantId = await pendingTenant();
    const { body: run } = await enqueue(tenantId);
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: platform.database.url,
      REDIS_URL: process.env.TEST_REDIS_URL as string,
      QUEUE_PREFIX: platform.config.queue.prefix,
    };

    const listed = await runEntryPoint(
      'apps/cli/main.ts',
      ['jobs', 'list', '--tenant', tenantId, '--status', 'queued'],
      env,
    );
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${run.id}\\s+queued\\s+${tenantId}\\s+tenant\\.token-check\\s`)),
    ]);

    const refused = await runEntryPoint(
      'apps/cli/main.ts',
      ['jobs', 'enqueue', tenantId, 'tenant.token-check', '--payload', '[1]'],
      env,
    );
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe(`tenantry: --payload must be a JSON object, e.g. '{"forceRefresh":true}'\n`);

    // A tenant id that is not one is refused by the argument's name, as an argument and as an option.
    const notTenant = await runEntryPoint(
      'apps/cli/main.ts',
      ['jobs', 'enqueue', 'contoso', 'tenant.token-check'],
      env,
    );
    expect(notTenant).toMatchObject({ code: 1, stdout: '' });
    expect(notTenant.stderr).toContain("command-argument value 'contoso' is invalid for argument 'tenantId'");
    const notTenantFilter = await runEntryPoint('apps/cli/main.ts', ['jobs', 'list', '--tenant', 'contoso'], env);
    expect(notTenantFilter).toMatchObject({ code: 1, stdout: '' });
    expect(notTenantFilter.stderr).toContain("option '--tenant <tenantId>' argument 'contoso' is invalid");
  });
});
