import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { QueueBackend, QueueName } from '@tenantry/queue';
import { TenantRegistry } from '@tenantry/tenants';
import { startTestApp, TestApp } from '@tenantry/testing';

interface Schedule {
  id: string;
  tenantId: string;
  type: string;
  payload: Record<string, unknown>;
  cron: string | null;
  timezone: string;
  everyMs: number | null;
  enabled: boolean;
  origin: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  lastFiredAt: string | null;
  lastRunId: string | null;
}

interface Problem {
  status: number;
  code: string;
  detail: string;
}

describe('operator API: schedules', () => {
  let platform: TestApp;
  let viewer: string;
  let operator: string;
  let registry: TenantRegistry;
  let bullmq: Queue;

  beforeAll(async () => {
    platform = await startTestApp();
    viewer = await platform.keyFor('viewer');
    operator = await platform.keyFor('operator');
    registry = platform.app.get(TenantRegistry);
    bullmq = platform.app.get(QueueBackend).createQueue(QueueName.Schedules);
  });

  // The queue is the backend's: it closes it with the app.
  afterAll(() => platform.close());

  const send = <T>(method: string, path: string, body?: unknown, key = operator) =>
    platform.request<T>(method, path, { key, body });
  const get = <T>(path: string) => send<T>('GET', path, undefined, viewer);
  const schedulesOf = (tenantId: string) => `/api/v1/tenants/${tenantId}/schedules`;
  const create = (tenantId: string, body: unknown) => send<Schedule>('POST', schedulesOf(tenantId), body);

  /** A tenant whose consent is not proven yet: its schedules exist but their firings queue nothing. */
  const pendingTenant = async () =>
    (await registry.recordConsent({ tenantId: randomUUID(), consentedAt: new Date() }, 'test')).tenantId;

  const schedulerOf = async (scheduleId: string) =>
    (await bullmq.getJobSchedulers(0, -1)).find((scheduler) => scheduler.key === `schedule-${scheduleId}`);
  /** What a schedule says, less what its firings change (an interval fires as soon as it is set). */
  const settings = ({ lastFiredAt: _fired, lastRunId: _run, updatedAt: _updated, ...rest }: Schedule) => rest;
  const storedCount = async (tenantId: string) => {
    const [{ n }] = await platform.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM job_schedules WHERE tenant_id = $1',
      [tenantId],
    );
    return n;
  };

  it('creates, lists, shows, changes, disables and deletes a schedule, keeping BullMQ in step', async () => {
    const tenantId = await pendingTenant();
    const created = await create(tenantId, {
      type: 'tenant.token-check',
      payload: { forceRefresh: true },
      cron: '0 2 * * *',
      timezone: 'Europe/Paris',
    });
    expect(created).toMatchObject({
      status: 201,
      type: expect.stringMatching(/^application\/json/),
      body: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        tenantId,
        type: 'tenant.token-check',
        payload: { forceRefresh: true },
        cron: '0 2 * * *',
        timezone: 'Europe/Paris',
        everyMs: null,
        enabled: true,
        origin: 'operator',
        createdBy: expect.stringMatching(/^api:[0-9a-f-]{36}$/),
        lastFiredAt: null,
        lastRunId: null,
      },
    });
    const schedule = created.body;
    expect(Object.keys(schedule).sort()).toEqual(
      [
        'id',
        'tenantId',
        'type',
        'payload',
        'cron',
        'timezone',
        'everyMs',
        'enabled',
        'origin',
        'createdBy',
        'createdAt',
        'updatedAt',
        'lastFiredAt',
        'lastRunId',
      ].sort(),
    );
    expect(await schedulerOf(schedule.id)).toMatchObject({ pattern: '0 2 * * *', tz: 'Europe/Paris' });

    // The tenant id in either case, like every tenant route.
    expect(await get(schedulesOf(tenantId.toUpperCase()))).toEqual({
      status: 200,
      type: expect.stringMatching(/^application\/json/),
      body: { items: [schedule] },
    });
    expect((await get(`${schedulesOf(tenantId)}/${schedule.id.toUpperCase()}`)).body).toEqual(schedule);

    const interval = await send<Schedule>('PATCH', `${schedulesOf(tenantId)}/${schedule.id}`, { everyMs: 3_600_000 });
    expect(interval).toMatchObject({
      status: 200,
      body: { id: schedule.id, cron: null, everyMs: 3_600_000, timezone: 'UTC', enabled: true },
    });
    expect(await schedulerOf(schedule.id)).toMatchObject({ every: 3_600_000 });

    const disabled = await send<Schedule>('PATCH', `${schedulesOf(tenantId)}/${schedule.id}`, {
      enabled: false,
      payload: {},
    });
    expect(disabled).toMatchObject({
      status: 200,
      body: { everyMs: 3_600_000, enabled: false, payload: { forceRefresh: false } },
    });
    expect(await schedulerOf(schedule.id)).toBeUndefined();
    expect(settings((await get<Schedule>(`${schedulesOf(tenantId)}/${schedule.id}`)).body)).toEqual(
      settings(disabled.body),
    );

    const deleted = await send('DELETE', `${schedulesOf(tenantId)}/${schedule.id}`);
    expect(deleted).toEqual({ status: 204, body: undefined, type: null });
    expect(await get<Problem>(`${schedulesOf(tenantId)}/${schedule.id}`)).toMatchObject({
      status: 404,
      type: expect.stringMatching(/^application\/problem\+json/),
      body: { code: 'job_schedule_not_found' },
    });
    expect((await send<Problem>('DELETE', `${schedulesOf(tenantId)}/${schedule.id}`)).status).toBe(404);
    expect(await get(schedulesOf(tenantId))).toMatchObject({ status: 200, body: { items: [] } });

    const audit = await platform.dataSource.query<{ action: string; outcome: string; target_id: string }[]>(
      `SELECT action, outcome, target_id, tenant_id FROM audit_events
       WHERE target_type = 'job_schedule' AND target_id = $1 ORDER BY id`,
      [schedule.id],
    );
    const row = (action: string, outcome: string) => ({ action, outcome, target_id: schedule.id, tenant_id: tenantId });
    expect(audit).toEqual([
      row('job_schedule.create', 'success'),
      row('job_schedule.update', 'success'),
      row('job_schedule.update', 'success'),
      row('job_schedule.delete', 'success'),
      row('job_schedule.delete', 'failure'),
    ]);
  });

  it('moves a cron schedule to another time zone, and keeps the zone for a new cron without one', async () => {
    const tenantId = await pendingTenant();
    const { body: schedule } = await create(tenantId, { type: 'tenant.token-check', cron: '30 6 * * 1-5' });
    expect(schedule).toMatchObject({ cron: '30 6 * * 1-5', timezone: 'UTC', payload: { forceRefresh: false } });

    const moved = await send<Schedule>('PATCH', `${schedulesOf(tenantId)}/${schedule.id}`, {
      timezone: 'America/New_York',
    });
    expect(moved).toMatchObject({ status: 200, body: { cron: '30 6 * * 1-5', timezone: 'America/New_York' } });
    expect(await schedulerOf(schedule.id)).toMatchObject({ pattern: '30 6 * * 1-5', tz: 'America/New_York' });

    const recron = await send<Schedule>('PATCH', `${schedulesOf(tenantId)}/${schedule.id}`, { cron: '0 7 * * *' });
    expect(recron).toMatchObject({ status: 200, body: { cron: '0 7 * * *', timezone: 'America/New_York' } });
    expect(await schedulerOf(schedule.id)).toMatchObject({ pattern: '0 7 * * *', tz: 'America/New_York' });
  });

  it('creates a disabled schedule without a BullMQ scheduler, and enables it later', async () => {
    const tenantId = await pendingTenant();
    const { status, body: schedule } = await create(tenantId, {
      type: 'tenant.token-check',
      everyMs: 86_400_000,
      enabled: false,
    });
    expect(status).toBe(201);
    expect(schedule).toMatchObject({ enabled: false, everyMs: 86_400_000 });
    expect(await schedulerOf(schedule.id)).toBeUndefined();
    expect(
      (await send<Schedule>('PATCH', `${schedulesOf(tenantId)}/${schedule.id}`, { enabled: true })).body,
    ).toMatchObject({ enabled: true });
    expect(await schedulerOf(schedule.id)).toMatchObject({ every: 86_400_000 });
  });

  it.each([
    ['both cron and everyMs', { cron: '0 2 * * *', everyMs: 3_600_000 }, 'invalid_schedule'],
    ['neither cron nor everyMs', {}, 'invalid_schedule'],
    ['a time zone alone', { timezone: 'Europe/Paris' }, 'invalid_schedule'],
    ['everyMs under a minute', { everyMs: 59_999 }, 'invalid_schedule'],
    ['everyMs over 24 days', { everyMs: 25 * 24 * 3_600_000 }, 'invalid_schedule'],
    ['a cron with six fields', { cron: '0 0 2 * * *' }, 'invalid_schedule'],
    ['a cron that does not parse', { cron: 'every day at 2' }, 'invalid_schedule'],
    ['an unknown time zone', { cron: '0 2 * * *', timezone: 'Mars/Olympus_Mons' }, 'invalid_schedule'],
    ['a time zone with an interval', { everyMs: 3_600_000, timezone: 'Europe/Paris' }, 'invalid_request'],
    ['an unknown job type', { type: 'no.such-type', everyMs: 3_600_000 }, 'unknown_job_type'],
    ['a payload that does not fit', { everyMs: 3_600_000, payload: { forceRefresh: 'yes' } }, 'invalid_job_payload'],
    ['a secret in the payload', { everyMs: 3_600_000, payload: { clientSecret: 'hunter2' } }, 'invalid_job_payload'],
    ['a payload that is not an object', { everyMs: 3_600_000, payload: [1, 2] }, 'invalid_request'],
    ['an unknown field', { everyMs: 3_600_000, priority: 1 }, 'invalid_request'],
    ['everyMs as a string', { everyMs: '3600000' }, 'invalid_request'],
    ['everyMs not whole', { everyMs: 60_000.5 }, 'invalid_request'],
    ['cron as a number', { cron: 5 }, 'invalid_request'],
    ['enabled as a string', { everyMs: 3_600_000, enabled: 'yes' }, 'invalid_request'],
    ['enabled as null', { everyMs: 3_600_000, enabled: null }, 'invalid_request'],
    ['everyMs as null', { everyMs: null, cron: '0 2 * * *' }, 'invalid_request'],
    ['no type', { type: undefined, everyMs: 3_600_000 }, 'invalid_request'],
  ])('refuses to create a schedule with %s: 400, nothing stored', async (_case, fields, code) => {
    const tenantId = await pendingTenant();
    const response = await create(tenantId, { type: 'tenant.token-check', ...fields });
    expect(response).toMatchObject({
      status: 400,
      type: expect.stringMatching(/^application\/problem\+json/),
      body: { status: 400, code },
    });
    expect(JSON.stringify(response.body)).not.toContain('hunter2');
    expect(await storedCount(tenantId)).toBe(0);
  });

  it.each([
    ['both cron and everyMs', { cron: '0 2 * * *', everyMs: 3_600_000 }, 'invalid_schedule'],
    ['everyMs under a minute', { everyMs: 1_000 }, 'invalid_schedule'],
    ['a cron with six fields', { cron: '*/5 * * * * *' }, 'invalid_schedule'],
    ['an unknown time zone', { timezone: 'Nowhere/Land' }, 'invalid_schedule'],
    ['a time zone with an interval', { everyMs: 3_600_000, timezone: 'UTC' }, 'invalid_request'],
    ['a payload that does not fit', { payload: { forceRefresh: 1 } }, 'invalid_job_payload'],
    ['a payload of null', { payload: null }, 'invalid_request'],
    ['enabled as null', { enabled: null }, 'invalid_request'],
    ['cron as null', { cron: null }, 'invalid_request'],
    ['a new type', { type: 'tenant.token-check' }, 'invalid_request'],
    ['an unknown field', { paused: true }, 'invalid_request'],
  ])('refuses to change a schedule with %s: 400, unchanged', async (_case, patch, code) => {
    const tenantId = await pendingTenant();
    const { body: schedule } = await create(tenantId, {
      type: 'tenant.token-check',
      cron: '0 2 * * *',
      timezone: 'Europe/Paris',
    });
    const response = await send<Problem>('PATCH', `${schedulesOf(tenantId)}/${schedule.id}`, patch);
    expect(response).toMatchObject({
      status: 400,
      type: expect.stringMatching(/^application\/problem\+json/),
      body: { status: 400, code },
    });
    expect((await get(`${schedulesOf(tenantId)}/${schedule.id}`)).body).toEqual(schedule);
    expect(await schedulerOf(schedule.id)).toMatchObject({ pattern: '0 2 * * *', tz: 'Europe/Paris' });
  });

  it('refuses a time zone for an interval schedule: 400, unchanged', async () => {
    const tenantId = await pendingTenant();
    const { body: schedule } = await create(tenantId, { type: 'tenant.token-check', everyMs: 3_600_000 });
    const response = await send<Problem>('PATCH', `${schedulesOf(tenantId)}/${schedule.id}`, { timezone: 'Mars/X' });
    expect(response).toMatchObject({ status: 400, body: { code: 'invalid_schedule' } });
    expect((await get<Schedule>(`${schedulesOf(tenantId)}/${schedule.id}`)).body).toMatchObject({
      everyMs: 3_600_000,
      timezone: 'UTC',
    });
  });

  it('answers 400 for schedule ids that cannot be, and 404 for what does not exist', async () => {
    const tenantId = await pendingTenant();
    for (const id of ['abc', '42', '00000000-0000-4000-8000-00000000000g', `${randomUUID()}x`]) {
      const path = `${schedulesOf(tenantId)}/${id}`;
      expect({ id, ...(await get<Problem>(path)) }).toMatchObject({
        id,
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
        body: { code: 'invalid_request' },
      });
      expect((await send('PATCH', path, { enabled: false })).status).toBe(400);
      expect((await send('DELETE', path)).status).toBe(400);
    }

    const unknown = `${schedulesOf(tenantId)}/${randomUUID()}`;
    for (const response of [
      await get<Problem>(unknown),
      await send<Problem>('PATCH', unknown, { enabled: false }),
      await send<Problem>('DELETE', unknown),
    ]) {
      expect(response).toMatchObject({ status: 404, body: { code: 'job_schedule_not_found' } });
    }

    // Another tenant's schedule is not this tenant's: no reading, changing or deleting it.
    const { body: theirs } = await create(await pendingTenant(), { type: 'tenant.token-check', everyMs: 3_600_000 });
    const crossed = `${schedulesOf(tenantId)}/${theirs.id}`;
    expect((await get(crossed)).status).toBe(404);
    expect((await send('PATCH', crossed, { enabled: false })).status).toBe(404);
    expect((await send('DELETE', crossed)).status).toBe(404);
    expect(settings((await get<Schedule>(`${schedulesOf(theirs.tenantId)}/${theirs.id}`)).body)).toEqual(
      settings(theirs),
    );

    const unknownTenant = randomUUID();
    expect(await get<Problem>(schedulesOf(unknownTenant))).toMatchObject({
      status: 404,
      body: { code: 'tenant_not_found' },
    });
    expect(await create(unknownTenant, { type: 'tenant.token-check', everyMs: 3_600_000 })).toMatchObject({
      status: 404,
      body: { code: 'tenant_not_found' },
    });
    expect((await get(`${schedulesOf(unknownTenant)}/${theirs.id}`)).status).toBe(404);
    expect((await get<Problem>(schedulesOf('not-a-guid'))).status).toBe(400);
  });

  it('removes an offboarded tenant’s schedules, from PostgreSQL and BullMQ', async () => {
    const tenantId = await pendingTenant();
    const ids: string[] = [];
    for (const timing of [{ cron: '0 3 * * *' }, { everyMs: 7_200_000 }]) {
      ids.push((await create(tenantId, { type: 'tenant.token-check', ...timing })).body.id);
    }
    expect((await get<{ items: Schedule[] }>(schedulesOf(tenantId))).body.items.map((item) => item.id)).toEqual(ids);

    await registry.transition(tenantId, 'offboarded', { reason: 'operator_offboarded', actor: 'test' });

    expect(await get(schedulesOf(tenantId))).toMatchObject({ status: 200, body: { items: [] } });
    for (const id of ids) {
      expect(await schedulerOf(id)).toBeUndefined();
      expect((await get(`${schedulesOf(tenantId)}/${id}`)).status).toBe(404);
    }
    const late = await create(tenantId, { type: 'tenant.token-check', cron: '0 4 * * *' });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ code: 'tenant_not_accepting_jobs' });
  });
});
