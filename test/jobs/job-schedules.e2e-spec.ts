import type { Queue } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { InvalidScheduleError, JobContext, JobHandler, JobSchedules, JobType, ScheduleFirer } from '@tenantry/jobs';
import { QueueBackend, QueueName } from '@tenantry/queue';
import { JobsTestbed, startJobsTestbed } from '@tenantry/testing';
import { RecordJob } from './support/test-job-types';

const seen: string[] = [];

/** A job type with a default schedule that also runs once when a tenant becomes active. */
@JobType({
  name: 'test.nightly',
  payload: z.object({ scope: z.string().default('all') }),
  defaultSchedule: { cron: '0 2 * * *', timezone: 'Europe/Paris', onActivation: true },
})
class NightlyJob implements JobHandler<{ scope: string }> {
  run(_payload: { scope: string }, context: JobContext): Promise<void> {
    seen.push(context.tenantId);
    return Promise.resolve();
  }
}

/** Every hour, and once when a tenant becomes active (as the directory sync is). */
@JobType({
  name: 'test.hourly',
  payload: z.object({}),
  defaultSchedule: { everyMs: 3_600_000, onActivation: true },
})
class HourlyJob implements JobHandler<Record<string, never>> {
  run(): Promise<void> {
    return Promise.resolve();
  }
}

describe.each(['redis', 'postgres'] as const)('job schedules on the %s backend', (queue) => {
  let bed: JobsTestbed;
  let schedules: JobSchedules;
  let bullmq: Queue;

  beforeAll(async () => {
    bed = await startJobsTestbed({ queue, types: [NightlyJob, RecordJob] });
    schedules = bed.app.get(JobSchedules);
    bullmq = bed.app.get(QueueBackend).createQueue(QueueName.Schedules);
  });

  afterAll(() => bed?.close());

  const schedulerOf = async (scheduleId: string) =>
    (await bullmq.getJobSchedulers(0, -1)).find((scheduler) => scheduler.key === `schedule-${scheduleId}`);

  it('gives a tenant its default schedules when it becomes active, once, and the activation run', async () => {
    const tenantId = await bed.activeTenant();
    const [schedule] = await schedules.list(tenantId);
    expect(schedule).toMatchObject({
      type: 'test.nightly',
      cron: '0 2 * * *',
      timezone: 'Europe/Paris',
      origin: 'default',
    });
    expect(await schedulerOf(schedule.id)).toMatchObject({ pattern: '0 2 * * *', tz: 'Europe/Paris' });

    await bed.registry.transition(tenantId, 'needs_attention', {
      reason: 'consent_revoked',
      attentionReason: 'consent_revoked',
      actor: 'test',
    });
    await bed.registry.transition(tenantId, 'active', { reason: 'consent_verified', actor: 'test' });
    expect(await schedules.list(tenantId)).toHaveLength(1);

    bed.startWorker();
    await bed.drained();
    const runs = await bed.dataSource.query(
      `SELECT status, enqueued_by FROM job_runs WHERE tenant_id = $1 AND type = 'test.nightly'`,
      [tenantId],
    );
    // One run per activation: the first, and the one after re-consent.
    expect(runs).toEqual([
      { status: 'succeeded', enqueued_by: 'system:activation' },
      { status: 'succeeded', enqueued_by: 'system:activation' },
    ]);
  });

  it('first fires an interval default schedule an interval after activation, whose run it already got', async () => {
    const hourly = await startJobsTestbed({ queue, types: [HourlyJob] });
    try {
      const tenantId = await hourly.activeTenant();
      const [schedule] = await hourly.app.get(JobSchedules).list(tenantId);
      const scheduler = (
        await hourly.app.get(QueueBackend).createQueue(QueueName.Schedules).getJobSchedulers(0, -1)
      ).find((candidate) => candidate.key === `schedule-${schedule.id}`);
      // Not now (the activation run is that one): about an hour from now.
      expect(scheduler?.next).toBeGreaterThan(Date.now() + 3_500_000);
      const runs = await hourly.dataSource.query(`SELECT enqueued_by FROM job_runs WHERE tenant_id = $1`, [tenantId]);
      expect(runs).toEqual([{ enqueued_by: 'system:activation' }]);
    } finally {
      await hourly.close();
    }
  });

  it('keeps BullMQ in step as an operator creates, changes, disables and deletes a schedule', async () => {
    const tenantId = await bed.activeTenant();
    const created = await schedules.create(
      tenantId,
      { type: 'test.record', payload: { key: 'hourly' }, cron: '15 * * * *', timezone: 'America/New_York' },
      'test',
    );
    expect(await schedulerOf(created.id)).toMatchObject({ pattern: '15 * * * *', tz: 'America/New_York' });

    await schedules.update(tenantId, created.id, { everyMs: 3_600_000 });
    expect(await schedulerOf(created.id)).toMatchObject({ every: 3_600_000 });

    await schedules.update(tenantId, created.id, { enabled: false });
    expect(await schedulerOf(created.id)).toBeUndefined();
    await schedules.update(tenantId, created.id, { enabled: true });
    expect(await schedulerOf(created.id)).toMatchObject({ every: 3_600_000 });

    await schedules.remove(tenantId, created.id);
    expect(await schedulerOf(created.id)).toBeUndefined();
    expect((await schedules.list(tenantId)).map((schedule) => schedule.type)).toEqual(['test.nightly']);
  });

  it('refuses timings that would not fire as meant, and payloads that do not fit', async () => {
    const tenantId = await bed.activeTenant();
    const bad = [{ cron: 'every day' }, { cron: '0 * * * *', timezone: 'Mars/Olympus_Mons' }, { everyMs: 500 }];
    for (const timing of bad) {
      await expect(
        schedules.create(tenantId, { type: 'test.record', payload: { key: 'x' }, ...timing } as never, 'test'),
      ).rejects.toBeInstanceOf(InvalidScheduleError);
    }
    await expect(
      schedules.create(tenantId, { type: 'test.record', payload: { key: 7 }, everyMs: 60_000 }, 'test'),
    ).rejects.toMatchObject({ code: 'invalid_job_payload' });
  });

  it('enqueues one run per firing, none while the previous one is unfinished or the tenant is paused', async () => {
    const tenantId = await bed.activeTenant();
    await bed.registry.pause(tenantId, 'test');
    const schedule = await schedules.create(
      tenantId,
      { type: 'test.record', payload: { key: 'fired' }, everyMs: 3_600_000 },
      'test',
    );
    expect(await schedules.fire(schedule.id, 'firing-1')).toBeNull();
    await bed.registry.resume(tenantId, 'test');
    const first = await schedules.fire(schedule.id, 'firing-2');
    expect(first).not.toBeNull();
    // Still queued or running: a firing now would only pile up behind it.
    const overlapping = await schedules.fire(schedule.id, 'firing-3');
    await bed.drained();
    const second = await schedules.fire(schedule.id, 'firing-4');
    expect(second).not.toBeNull();
    expect(second).not.toBe(first);
    const runs = await bed.dataSource.query(`SELECT count(*)::int AS n FROM job_runs WHERE enqueued_by = $1`, [
      `schedule:${schedule.id}`,
    ]);
    expect(runs[0].n).toBe(overlapping === null ? 2 : 3);
  });

  it('repairs drift: a lost scheduler comes back, a stray one goes', async () => {
    const tenantId = await bed.activeTenant();
    const [schedule] = await schedules.list(tenantId);
    await bullmq.removeJobScheduler(`schedule-${schedule.id}`);
    await bullmq.upsertJobScheduler('schedule-00000000-0000-4000-8000-000000000000', { every: 3_600_000 });
    const { removed } = await schedules.reconcile();
    expect(removed).toBeGreaterThanOrEqual(1);
    expect(await schedulerOf(schedule.id)).toBeDefined();
    expect(await schedulerOf('00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it('fires through BullMQ end to end', async () => {
    const tenantId = await bed.activeTenant();
    await bed.app.get(ScheduleFirer).start();
    bed.startWorker();
    const schedule = await schedules.create(
      tenantId,
      { type: 'test.record', payload: { key: 'every-minute' }, everyMs: 60_000 },
      'test',
    );
    // An interval scheduler fires its first run at once.
    const deadline = Date.now() + 15_000;
    let runs: { status: string }[] = [];
    while (Date.now() < deadline) {
      runs = await bed.dataSource.query(`SELECT status FROM job_runs WHERE enqueued_by = $1`, [
        `schedule:${schedule.id}`,
      ]);
      if (runs.some((run) => run.status === 'succeeded')) break;
      await sleep(100);
    }
    expect(runs).toEqual([{ status: 'succeeded' }]);
    expect((await schedules.get(tenantId, schedule.id)).lastRunId).not.toBeNull();
  });

  it('removes an offboarded tenant\u2019s schedules, here and in BullMQ', async () => {
    const tenantId = await bed.activeTenant();
    const [schedule] = await schedules.list(tenantId);
    await bed.registry.transition(tenantId, 'offboarded', { reason: 'offboarded', actor: 'test' });
    expect(await schedules.list(tenantId)).toEqual([]);
    expect(await schedulerOf(schedule.id)).toBeUndefined();
  });
});
