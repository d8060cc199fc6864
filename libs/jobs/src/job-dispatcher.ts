import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { type AppConfig, APP_CONFIG } from '@tenantry/config';
import { QueueBackend, QueueName } from '@tenantry/queue';
import { DispatchSignal } from './dispatch-signal';
import { DispatchLimits, JobRunStore, RunEvent } from './job-run.store';
import { JobTypeRegistry } from './job-type.registry';
import { LiveTenants } from './live-tenants';

/** One dispatched run as it travels through BullMQ; the run itself stays in `job_runs`. */
export interface DispatchedRunData {
  readonly runId: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly tenantId: string;
  readonly type: string;
  readonly payload: unknown;
}

/** What one BullMQ job carries: a batch of runs dispatched together, in slot order. */
export interface DispatchedJobData {
  readonly dispatchId: string;
  readonly runs: readonly DispatchedRunData[];
}

/**
 * Feeds BullMQ from `job_runs`, fairly. BullMQ only ever holds what may run now (at most the
 * global concurrency), so a deep backlog of one tenant never sits in front of another's job, and
 * a tenant that is paused, throttled or at its limit simply is not picked. One round at a time per
 * process, rounds serialised fleet-wide by a lock; woken by local events and by a poll, and run by
 * this process's workers with what their jobs did: a round records those runs and fills the slots
 * they free in one transaction, which is what paces short jobs.
 */
@Injectable()
export class JobDispatcher implements OnModuleDestroy {
  private readonly logger = new Logger(JobDispatcher.name);
  private queue: Queue | undefined;
  private limits: DispatchLimits | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  // Rounds of this process run one at a time, whether a wake or the workers' reports start them.
  private turn: Promise<unknown> = Promise.resolve();
  private stopped = true;
  private lastReclaim = 0;
  private looping: Promise<void> = Promise.resolve();
  private lastPrune = 0;
  private lastFleetCount = 0;
  // Worker processes serving the jobs queue, as BullMQ last counted them: batches are sized to
  // keep all of them busy, not only this one.
  private workerProcesses = 1;
  private readonly handing = new Set<Promise<unknown>>();
  // Wakes asked for, and the last of them a finished round had seen: a round that started after a
  // wake dispatches what the wake was for, so a wake's own round is skipped (see loop).
  private wakes = 0;
  private wakesSeen = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: JobRunStore,
    private readonly types: JobTypeRegistry,
    private readonly queues: QueueBackend,
    private readonly tenants: LiveTenants,
    signal: DispatchSignal,
  ) {
    signal.listen(() => this.wake());
  }

  start(): void {
    if (!this.stopped) return;
    const { jobs } = this.config;
    this.queue = this.queues.createQueue(QueueName.Jobs);
    const typeConcurrency = new Map<string, number>();
    for (const name of this.types.names()) {
      const cap = this.types.get(name).options.concurrencyPerTenant;
      if (cap !== undefined) typeConcurrency.set(name, cap);
    }
    this.limits = {
      globalConcurrency: jobs.globalConcurrency,
      tenantConcurrency: jobs.tenantConcurrency,
      tierWeights: jobs.tierWeights,
      typeConcurrency,
      leaseMs: jobs.leaseMs,
      workerSlots: jobs.workerConcurrency,
    };
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), jobs.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  /**
   * How many of this process's reports are worth a round: a quarter of its share of the window.
   * A round's fixed cost is several times a run's, and smaller rounds alternate with large ones
   * (a round records what ended during the last) while runs that ended and wait to be recorded
   * fill the window and starve the workers (bench:jobs, ADR 0005).
   */
  reportsPerRound(): number {
    return Math.max(1, Math.floor(this.config.jobs.globalConcurrency / (4 * this.workerProcesses)));
  }

  wake(): void {
    if (this.stopped) return;
    this.wakes += 1;
    if (this.running) {
      this.again = true;
      return;
    }
    this.looping = this.loop();
  }

  /**
   * Records what runs did (this process's workers' reports) and dispatches into the slots they
   * free, in one round. Once dispatching has stopped (shutting down) it only records.
   */
  async settle(events: readonly RunEvent[]): Promise<void> {
    if (this.stopped) {
      await this.store.record(events, this.config.jobs.leaseMs);
      return;
    }
    try {
      await this.exclusive(() => this.round(events));
    } catch (error) {
      // Whatever failed, what the runs did is recorded on its own (or this throws, and the
      // reports are retried); the next round dispatches.
      this.logger.warn({ err: error }, 'Dispatch round failed; recording the runs without it');
      await this.store.record(events, this.config.jobs.leaseMs);
    }
  }

  /** Stops before the workers close: nothing new is handed to BullMQ while they drain. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.looping;
    await this.turn;
    await Promise.allSettled([...this.handing]);
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      do {
        this.again = false;
        await this.maintain();
        const wanted = this.wakes;
        // Under load the workers' reports start a round as each ends: when one is ready as the
        // current round settles it goes first, and this round is skipped if that one saw the
        // wake. An empty round costs as much as a busy one and holds the reports behind it.
        await this.turn;
        await new Promise((resolve) => setImmediate(resolve));
        await this.exclusive(() => (this.stopped || this.wakesSeen >= wanted ? Promise.resolve() : this.round([])));
      } while (this.again && !this.stopped);
    } catch (error) {
      // The database or the queue backend is away: the poll tries again; nothing was lost, the
      // runs are still queued (or come back when their lease runs out).
      this.logger.warn({ err: error }, 'Dispatch round failed; retrying at the next poll');
    } finally {
      this.running = false;
    }
  }

  /** Keeps the run history to `JOBS_RUN_RETENTION_DAYS`, a bounded batch at a time. */
  async pruneHistory(): Promise<number> {
    const cutoff = new Date(Date.now() - this.config.jobs.runRetentionDays * 24 * 3600 * 1000);
    let pruned = 0;
    for (let batch = PRUNE_BATCH; batch === PRUNE_BATCH && pruned < PRUNE_MAX_PER_ROUND;) {
      batch = await this.store.pruneFinished(cutoff, PRUNE_BATCH);
      pruned += batch;
    }
    if (pruned > 0) this.logger.log({ pruned, cutoff: cutoff.toISOString() }, 'Pruned finished runs from the history');
    return pruned;
  }

  /**
   * Runs whose lease ran out are requeued only when BullMQ no longer has their job (Redis lost it,
   * or it failed out after its worker died); a job still waiting behind long ones keeps its
   * dispatch, so a run is never handed out twice.
   */
  private async reclaimLost(): Promise<void> {
    const expired = await this.store.expiredLeases(500);
    if (expired.length === 0) return;
    const dispatchIds = [...new Set(expired.map((run) => run.dispatchId))];
    const states = new Map(
      await Promise.all(
        dispatchIds.map(
          async (dispatchId) => [dispatchId, await this.queue!.getJobState(jobIdOf(dispatchId))] as const,
        ),
      ),
    );
    const held = expired.filter((run) => QUEUED_STATES.has(states.get(run.dispatchId)!));
    const lost = expired.flatMap((run) => {
      const state = states.get(run.dispatchId)!;
      return QUEUED_STATES.has(state) ? [] : [{ ...run, spent: state === 'failed' || state === 'completed' }];
    });
    await this.store.renewLeases(held, this.config.jobs.leaseMs);
    const reclaimed = await this.store.reclaim(lost);
    if (reclaimed > 0) {
      this.logger.warn({ reclaimed }, 'Runs lost with their worker or queue went back to the queue');
      // Back in the queue after any round that started meanwhile: that round did not see them.
      this.wakes += 1;
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.turn.then(work, work);
    this.turn = next.catch(() => undefined);
    return next;
  }

  /** Reclaiming and pruning run between the poll's rounds: a worker's reports never wait on them. */
  private async maintain(): Promise<void> {
    const now = Date.now();
    if (now - this.lastReclaim > this.config.jobs.leaseMs / 4) {
      this.lastReclaim = now;
      await this.reclaimLost();
    }
    if (now - this.lastFleetCount > FLEET_COUNT_EVERY_MS) {
      this.lastFleetCount = now;
      // Embedded PGlite cannot tell its workers apart (null): one process serves everything there.
      const counted = await this.queues.workersOf(QueueName.Jobs).catch(() => this.workerProcesses);
      this.workerProcesses = Math.max(1, counted ?? 1);
    }
    if (now - this.lastPrune > PRUNE_EVERY_MS) {
      this.lastPrune = now;
      await this.pruneHistory();
    }
  }

  private async round(events: readonly RunEvent[]): Promise<void> {
    // The round's statement sees every tenant it dispatches for active, no earlier than this.
    const asOf = Date.now();
    const limits = this.limits!;
    const wakes = this.wakes;
    const runs = await this.store.dispatch(
      { ...limits, workerSlots: limits.workerSlots * this.workerProcesses },
      events,
    );
    this.wakesSeen = Math.max(this.wakesSeen, wakes);
    this.tenants.seenActive(
      runs.map((run) => run.tenantId),
      asOf,
    );
    if (runs.length === 0) return;
    // Handing the runs to BullMQ overlaps with the next round (BullMQ keeps the order of its
    // calls); a round that cannot reach it puts its runs straight back in the queue.
    const batches = new Map<string, DispatchedRunData[]>();
    for (const run of runs) {
      const batch = batches.get(run.dispatchId) ?? [];
      batch.push({
        runId: run.id,
        attempt: run.attempt,
        maxAttempts: run.maxAttempts,
        tenantId: run.tenantId,
        type: run.type,
        payload: run.payload,
      });
      batches.set(run.dispatchId, batch);
    }
    const handed = this.queue!.addBulk(
      [...batches].map(([dispatchId, batch]) => ({
        name: batch.length === 1 ? batch[0].type : 'batch',
        data: { dispatchId, runs: batch } satisfies DispatchedJobData,
        opts: { jobId: jobIdOf(dispatchId), removeOnComplete: true, removeOnFail: true },
      })),
    );
    this.handing.add(handed);
    handed
      .catch(async (error: unknown) => {
        this.logger.warn({ err: error, runs: runs.length }, 'Could not hand runs to the queue backend; requeued');
        // Back in the queue for the next poll's round, not at once: the queue backend is failing,
        // and a wake would hand them straight back to it.
        await this.store.undispatch(runs.map((run) => ({ runId: run.id, dispatchId: run.dispatchId }))).catch(() => {
          // Still unreachable: their leases run out and they are reclaimed.
        });
      })
      .finally(() => this.handing.delete(handed));
    // Never more than a few rounds ahead of the queue backend.
    if (this.handing.size >= 4) await Promise.race(this.handing).catch(() => undefined);
  }
}

const PRUNE_EVERY_MS = 3600_000;
const FLEET_COUNT_EVERY_MS = 10_000;
const PRUNE_BATCH = 5000;
// A long backlog of history is worked off over several hours rather than in one long pause.
const PRUNE_MAX_PER_ROUND = 50_000;

// BullMQ states in which a job will still be delivered.
const QUEUED_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** One BullMQ job per dispatch (a batch of runs): adding it twice is a no-op. */
function jobIdOf(dispatchId: string): string {
  return `dispatch-${dispatchId}`;
}
