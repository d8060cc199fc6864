import { ApplicationCredentialHealth } from '@tenantry/identity';
import { TenantRegistry } from '@tenantry/tenants';
import { startTestApp, TestApp } from '@tenantry/testing';

interface Queues {
  backend: string;
  queues: {
    name: string;
    counts: Record<string, number>;
    finished: { total: number; lastHour: number | null };
    workers: number;
  }[];
  runs: { queued: number; dispatched: number; running: number };
  throttled: { tenantId: string; until: string; reason: string | null }[];
  holds: unknown[];
}

describe.each(['redis', 'postgres'] as const)('operator API: queues, limits and health on the %s backend', (queue) => {
  let platform: TestApp;
  let viewer: string;
  let contoso: string;

  beforeAll(async () => {
    platform = await startTestApp({
      queue,
      env: { JOBS_POLL_INTERVAL_MS: '50', JOBS_TENANT_CONCURRENCY: '3', JOBS_TIER_WEIGHTS: 'standard=1,premium=4' },
    });
    viewer = await platform.keyFor('viewer');
    const registry = platform.app.get(TenantRegistry);
    contoso = platform.sim.demo.tenants[0].tenantId;
    await registry.recordConsent({ tenantId: contoso, consentedAt: new Date() }, 'test');
    await registry.transition(contoso, 'active', { reason: 'consent_verified', actor: 'test' });
  });

  afterAll(() => platform?.close());

  const get = <T>(path: string) => platform.request<T>('GET', path, { key: viewer });

  it('shows every queue with its counts, workers and what finished, and runs in flight', async () => {
    // The activation's directory sync is a job that finishes through the jobs queue.
    let body: Queues;
    for (let waited = 0; ; waited += 1) {
      body = (await get<Queues>('/api/v1/queues')).body;
      const jobs = body.queues.find((entry) => entry.name === 'jobs');
      if (jobs && jobs.finished.total >= 1) break;
      if (waited > 300) throw new Error(`the jobs queue never showed a finished job: ${JSON.stringify(body)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(body.backend).toBe(queue);
    // Redis metrics include the minute in progress; the PostgreSQL backend's only whole minutes.
    if (queue === 'redis')
      expect(body.queues.find((entry) => entry.name === 'jobs')?.finished.lastHour).toBeGreaterThanOrEqual(1);
    expect(body.queues.map((entry) => entry.name).sort()).toEqual(['jobs', 'onboarding', 'schedules', 'system']);
    for (const entry of body.queues) {
      expect(entry.counts).toEqual(
        expect.objectContaining({ waiting: expect.any(Number), active: expect.any(Number) }),
      );
      expect(entry.workers).toBeGreaterThanOrEqual(1);
    }
    expect(body.runs).toEqual({
      queued: expect.any(Number),
      dispatched: expect.any(Number),
      running: expect.any(Number),
    });
  });

  it('names a throttled tenant with its end and reason, and forgets it once the throttle is over', async () => {
    const until = new Date(Date.now() + 60_000);
    await platform.dataSource.query(
      `UPDATE tenant_job_queues SET throttled_until = $2, throttle_reason = 'graph_throttled' WHERE tenant_id = $1`,
      [contoso, until],
    );
    expect((await get<Queues>('/api/v1/queues')).body.throttled).toEqual([
      { tenantId: contoso, until: until.toISOString(), reason: 'graph_throttled' },
    ]);
    await platform.dataSource.query(
      `UPDATE tenant_job_queues SET throttled_until = now() - interval '1 second' WHERE tenant_id = $1`,
      [contoso],
    );
    expect((await get<Queues>('/api/v1/queues')).body.throttled).toEqual([]);
  });

  it('shows the limits in force, with tenants’ own', async () => {
    await platform.dataSource.query(`UPDATE tenants SET max_concurrency = 9 WHERE tenant_id = $1`, [contoso]);
    const { status, body } = await get('/api/v1/limits');
    expect(status).toBe(200);
    expect(body).toEqual({
      workerConcurrency: 16,
      globalConcurrency: 512,
      tenantConcurrency: 3,
      tenantMaxQueued: 10_000,
      tierWeights: { standard: 1, premium: 4 },
      tenantOverrides: [{ tenantId: contoso, maxConcurrency: 9, maxQueuedJobs: null }],
    });
  });

  it('reports the application healthy, then degraded while a rejected credential holds every job', async () => {
    const healthy = await get<Record<string, unknown>>('/api/v1/health');
    expect(healthy).toMatchObject({
      status: 200,
      body: {
        status: 'ok',
        database: { status: 'up', error: null },
        queueBackend: { status: 'up', kind: queue },
        credential: { jobsHeldUntil: null },
      },
    });
    expect((healthy.body.workers as { queue: string }[]).map((entry) => entry.queue).sort()).toEqual([
      'jobs',
      'onboarding',
      'schedules',
      'system',
    ]);

    const until = new Date(Date.now() + 60_000);
    await platform.dataSource.query(
      `INSERT INTO job_holds (scope, until, reason) VALUES ('application', $1, 'client_secret_expired')`,
      [until],
    );
    platform.app.get(ApplicationCredentialHealth).recordFailure('client_secret_expired', 7000222);
    expect((await get('/api/v1/health')).body).toMatchObject({
      status: 'degraded',
      credential: {
        status: 'failing',
        code: 'client_secret_expired',
        aadsts: 7000222,
        jobsHeldUntil: until.toISOString(),
        jobsHeldReason: 'client_secret_expired',
      },
    });
    await platform.dataSource.query(`DELETE FROM job_holds`);
  });
});
