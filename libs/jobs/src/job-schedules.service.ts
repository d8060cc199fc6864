import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { Repository } from 'typeorm';
import { QueueBackend, QueueName } from '@tenantry/queue';
import { assertTenantId, TenantRegistry } from '@tenantry/tenants';
import { isJobScheduleId } from './job-run-id';
import { JobSchedule } from './job-schedule.entity';
import type { ScheduleTiming } from './job-type';
import { JobTypeRegistry } from './job-type.registry';
import { InvalidScheduleError, JobScheduleNotFoundError, TenantNotAcceptingJobsError } from './jobs.errors';
import { Jobs } from './jobs.service';
import { scheduleProblem } from './schedule-timing';

export type ScheduleInput = ScheduleTiming & {
  readonly type: string;
  readonly payload?: unknown;
  readonly enabled?: boolean;
};

export type SchedulePatch = Partial<ScheduleTiming> & {
  readonly payload?: unknown;
  readonly enabled?: boolean;
};

/** What BullMQ carries for one firing of a schedule. */
export interface ScheduleFiring {
  readonly scheduleId: string;
}

const FIRE_JOB = 'fire';
const schedulerIdOf = (scheduleId: string) => `schedule-${scheduleId}`;

/**
 * Tenants' recurring jobs. PostgreSQL holds them; each enabled one has a BullMQ job scheduler of
 * the same id that fires it (cron with time zone, or an interval). Every change here updates
 * BullMQ too, and `reconcile()` repairs any drift (a Redis that lost its keys) at worker start.
 */
@Injectable()
export class JobSchedules {
  private readonly logger = new Logger(JobSchedules.name);
  private queue: Queue | undefined;

  constructor(
    @InjectRepository(JobSchedule) private readonly schedules: Repository<JobSchedule>,
    private readonly types: JobTypeRegistry,
    private readonly tenants: TenantRegistry,
    private readonly queues: QueueBackend,
    private readonly jobs: Jobs,
  ) {}

  list(tenantId: string): Promise<JobSchedule[]> {
    return this.schedules.find({
      where: { tenantId: assertTenantId(tenantId) },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  async get(tenantId: string, scheduleId: string): Promise<JobSchedule> {
    const schedule = isJobScheduleId(scheduleId)
      ? await this.schedules.findOneBy({ id: scheduleId.toLowerCase(), tenantId: assertTenantId(tenantId) })
      : null;
    if (!schedule) throw new JobScheduleNotFoundError(scheduleId);
    return schedule;
  }

  async create(tenantId: string, input: ScheduleInput, actor: string): Promise<JobSchedule> {
    const tenant = await this.tenants.get(tenantId);
    if (tenant.status === 'offboarded') throw new TenantNotAcceptingJobsError(tenant.tenantId, tenant.status);
    const timing = this.checkTiming(input);
    const payload = this.types.parsePayload(input.type, input.payload);
    const saved = await this.schedules.save(
      this.schedules.create({
        tenantId: tenant.tenantId,
        type: input.type,
        payload,
        cron: timing.cron ?? null,
        everyMs: timing.everyMs ?? null,
        timezone: timing.cron !== undefined ? (timing.timezone ?? 'UTC') : 'UTC',
        enabled: input.enabled ?? true,
        origin: 'operator',
        createdBy: actor,
      }),
    );
    await this.sync(saved);
    return saved;
  }

  async update(tenantId: string, scheduleId: string, patch: SchedulePatch): Promise<JobSchedule> {
    const schedule = await this.get(tenantId, scheduleId);
    if (patch.cron !== undefined || patch.everyMs !== undefined) {
      // A new cron expression keeps the schedule's time zone unless the patch names one.
      const keepZone = patch.cron !== undefined && patch.timezone === undefined;
      const timing = this.checkTiming((keepZone ? { ...patch, timezone: schedule.timezone } : patch) as ScheduleTiming);
      schedule.cron = timing.cron ?? null;
      schedule.everyMs = timing.everyMs ?? null;
      schedule.timezone = timing.cron !== undefined ? (timing.timezone ?? 'UTC') : 'UTC';
    } else if (patch.timezone !== undefined) {
      if (schedule.cron === null) throw new InvalidScheduleError('a time zone applies to cron schedules only');
      const timing = this.checkTiming({ cron: schedule.cron, timezone: patch.timezone });
      schedule.timezone = timing.timezone ?? 'UTC';
    }
    if (patch.payload !== undefined) schedule.payload = this.types.parsePayload(schedule.type, patch.payload);
    if (patch.enabled !== undefined) schedule.enabled = patch.enabled;
    const saved = await this.schedules.save(schedule);
    await this.sync(saved);
    return saved;
  }

  async remove(tenantId: string, scheduleId: string): Promise<void> {
    const schedule = await this.get(tenantId, scheduleId);
    await this.schedules.delete({ id: schedule.id });
    await this.queueOf().removeJobScheduler(schedulerIdOf(schedule.id));
  }

  /**
   * A tenant became active: every job type's default schedule exists for it (once; an operator's
   * change to it is kept), and types that ask for it get one run now.
   */
  async ensureDefaults(tenantId: string): Promise<void> {
    const id = assertTenantId(tenantId);
    for (const name of this.types.names()) {
      const { defaultSchedule } = this.types.get(name).options;
      if (!defaultSchedule) continue;
      const [created] = await this.schedules.query<{ id: string }[]>(
        `INSERT INTO job_schedules (tenant_id, type, payload, cron, every_ms, timezone, origin, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, 'default', 'system:activation')
         ON CONFLICT (tenant_id, type) WHERE origin = 'default' DO NOTHING
         RETURNING id`,
        [
          id,
          name,
          JSON.stringify(this.types.parsePayload(name, defaultSchedule.payload)),
          defaultSchedule.cron ?? null,
          defaultSchedule.everyMs ?? null,
          defaultSchedule.timezone ?? 'UTC',
        ],
      );
      // An interval scheduler fires when it is created; the activation run already is that one.
      const firstAfterInterval = Boolean(defaultSchedule.onActivation);
      if (created) await this.sync(await this.schedules.findOneByOrFail({ id: created.id }), { firstAfterInterval });
      if (defaultSchedule.onActivation) {
        const tenant = await this.tenants.get(id);
        await this.jobs.enqueue(
          id,
          // One activation run per activation (a re-activation after needs-attention runs it again).
          { type: name, payload: defaultSchedule.payload, idempotencyKey: `activation:${name}:${tenant.version}` },
          { enqueuedBy: 'system:activation' },
        );
      }
    }
  }

  /** An offboarded tenant keeps no schedules. */
  async removeAllFor(tenantId: string): Promise<void> {
    const schedules = await this.schedules.findBy({ tenantId: assertTenantId(tenantId) });
    await this.schedules.delete({ tenantId: assertTenantId(tenantId) });
    for (const schedule of schedules) await this.queueOf().removeJobScheduler(schedulerIdOf(schedule.id));
  }

  /**
   * One firing: enqueue a run unless the tenant is not active (its jobs would only pile up) or the
   * previous run of this schedule has not finished. Returns the run id, or null when skipped.
   */
  async fire(scheduleId: string, firingId: string): Promise<string | null> {
    const schedule = isJobScheduleId(scheduleId) ? await this.schedules.findOneBy({ id: scheduleId }) : null;
    if (!schedule || !schedule.enabled) {
      // Gone or disabled here, yet BullMQ fired it: stop BullMQ firing it again.
      await this.queueOf().removeJobScheduler(schedulerIdOf(scheduleId));
      return null;
    }
    const tenant = await this.tenants.get(schedule.tenantId);
    let runId: string | null = null;
    const [busy] =
      schedule.lastRunId === null
        ? []
        : await this.schedules.query<unknown[]>(
            `SELECT 1 FROM job_runs WHERE id = $1 AND status IN ('queued', 'dispatched', 'running')`,
            [schedule.lastRunId],
          );
    if (tenant.status === 'active' && !busy) {
      const run = await this.jobs.enqueue(
        schedule.tenantId,
        { type: schedule.type, payload: schedule.payload, idempotencyKey: `schedule:${firingId}` },
        { enqueuedBy: `schedule:${schedule.id}` },
      );
      runId = run.id;
    } else {
      this.logger.log(
        { tenantId: schedule.tenantId, scheduleId, tenantStatus: tenant.status, previousRunUnfinished: Boolean(busy) },
        'Schedule fired; no run enqueued',
      );
    }
    await this.schedules.update({ id: schedule.id }, { lastFiredAt: new Date(), lastRunId: runId });
    return runId;
  }

  /** Makes BullMQ's job schedulers exactly the enabled schedules here. Returns what it changed. */
  async reconcile(): Promise<{ upserted: number; removed: number }> {
    const enabled = await this.schedules.findBy({ enabled: true });
    for (const schedule of enabled) await this.sync(schedule);
    const wanted = new Set(enabled.map((schedule) => schedulerIdOf(schedule.id)));
    let removed = 0;
    const existing = await this.queueOf().getJobSchedulers(0, -1);
    for (const scheduler of existing) {
      if (scheduler.key && !wanted.has(scheduler.key)) {
        await this.queueOf().removeJobScheduler(scheduler.key);
        removed += 1;
      }
    }
    return { upserted: enabled.length, removed };
  }

  /**
   * Mirrors one schedule in BullMQ. An interval fires at once when its scheduler is new, unless
   * `firstAfterInterval` (BullMQ reads the start date only then, so later calls keep the pace).
   */
  private async sync(schedule: JobSchedule, { firstAfterInterval = false } = {}): Promise<void> {
    const id = schedulerIdOf(schedule.id);
    if (!schedule.enabled) {
      await this.queueOf().removeJobScheduler(id);
      return;
    }
    const every = schedule.everyMs;
    await this.queueOf().upsertJobScheduler(
      id,
      every === null
        ? { pattern: schedule.cron!, tz: schedule.timezone }
        : { every, ...(firstAfterInterval ? { startDate: new Date(Date.now() + every) } : {}) },
      {
        name: FIRE_JOB,
        data: { scheduleId: schedule.id } satisfies ScheduleFiring,
        opts: { removeOnComplete: true, removeOnFail: 100 },
      },
    );
  }

  private checkTiming(timing: ScheduleTiming): ScheduleTiming {
    const problem = scheduleProblem(timing);
    if (problem) throw new InvalidScheduleError(problem);
    return timing;
  }

  private queueOf(): Queue {
    this.queue ??= this.queues.createQueue(QueueName.Schedules);
    return this.queue;
  }
}
