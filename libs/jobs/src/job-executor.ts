import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { Job, Worker } from 'bullmq';
import pLimit, { type Limit } from 'p-limit';
import { type AppConfig, APP_CONFIG } from '@tenantry/config';
import { DomainError } from '@tenantry/errors';
import { GraphClients, GraphThrottledError } from '@tenantry/graph';
import {
  ApplicationCredentialError,
  IdentityThrottledError,
  IdentityUnavailableError,
  TenantAccessError,
  TenantNotServedError,
  TokenService,
} from '@tenantry/identity';
import { QueueBackend, QueueName } from '@tenantry/queue';
import { GroupCommit, retryFor } from './group-commit';
import { LiveTenants } from './live-tenants';
import { DispatchedJobData, DispatchedRunData, JobDispatcher } from './job-dispatcher';
import { APPLICATION_HOLD, DispatchRef, JobRunStore, RunEvent, RunOutcome } from './job-run.store';
import type { JobContext, JobLogger, ResolvedJobTypeOptions } from './job-type';
import { JobTypeRegistry } from './job-type.registry';
import {
  InvalidJobPayloadError,
  JobTimeoutError,
  TenantThrottledError,
  UnknownJobTypeError,
  WorkerShutdownError,
} from './jobs.errors';

/** A run in this worker's hands: waiting for a slot, or running. */
interface HeldRun extends DispatchRef {
  readonly controller: AbortController;
  progress: Record<string, number> | null;
}

/** How a run's start and end are written: in the background, or each awaited (`isolated`). */
type Recording = 'grouped' | 'isolated';

const keyOf = (ref: DispatchRef) => `${ref.runId}:${ref.dispatchId}`;

// Outages of our own dependencies are retried in place this long before the run is left to its
// lease (and so to another worker).
const RECORD_RETRY_MS = 30_000;
const MAX_ERROR_MESSAGE = 1000;
const START_RECORD_DELAY_MS = 500;
const SETTLE_LINGER_MS = 10;
const TENANT_ACCESS_RETRY_MS = 60_000;
// A minute, then two, four…: long enough for a rolling deploy to bring up a worker that knows it.
const UNKNOWN_TYPE_BACKOFF = { delayMs: 60_000, maxDelayMs: 15 * 60_000 };
// BullMQ redelivers a job whose worker died (its stalled-job check). A second delivery runs the
// batch one run at a time, each start written before it runs; a third means that worker died too,
// and the run it had started is the likely cause.
const MAX_DELIVERIES = 2;

/**
 * Runs dispatched jobs: calls the type's handler with its context and records what happened.
 * Recording is group-committed in the background, so a job's slot is free as soon as its handler
 * returns (a crash before the record lands only means the run is reclaimed and runs again). Throttling, a tenant's lost consent and a rejected app
 * credential send the run back to the queue without using an attempt — and make only the right
 * scope wait (the tenant, or every tenant); other errors follow the type's retry policy.
 */
@Injectable()
export class JobExecutor implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  // By run and dispatch: a run dispatched again may come back to this worker while it holds the old one.
  private readonly held = new Map<string, HeldRun>();
  // Set when the worker starts closing: runs not started yet go back for the next worker.
  private draining = false;
  private drainDeadline: NodeJS.Timeout | undefined;
  private readonly recorder: GroupCommit<RunEvent, undefined>;
  // This process's run slots: a BullMQ job carries a batch, whose runs share them with the others.
  private readonly slots: Limit;
  private worker: Worker | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly types: JobTypeRegistry,
    private readonly store: JobRunStore,
    private readonly queues: QueueBackend,
    private readonly dispatcher: JobDispatcher,
    private readonly tokens: TokenService,
    private readonly tenants: LiveTenants,
    private readonly graph: GraphClients,
  ) {
    this.slots = pLimit(config.jobs.workerConcurrency);
    this.recorder = new GroupCommit(
      async (events) => {
        await this.dispatcher.settle(events);
        return events.map(() => undefined);
      },
      // Reports wait a few milliseconds for enough of them to be worth a round.
      {
        retryForMs: RECORD_RETRY_MS,
        minBatch: () => this.dispatcher.reportsPerRound(),
        lingerMs: SETTLE_LINGER_MS,
      },
    );
  }

  /** Serves the jobs queue from this process and dispatches for it. */
  start(): void {
    if (this.worker) return;
    this.worker = this.queues.createWorker(
      QueueName.Jobs,
      (job: Job<DispatchedJobData>) => this.processBatch(job.data, job.attemptsStarted),
      {
        concurrency: this.config.jobs.workerConcurrency,
        // A dead worker's jobs return to BullMQ's wait list within about one lease.
        lockDuration: this.config.jobs.leaseMs / 2,
        stalledInterval: this.config.jobs.leaseMs / 2,
        // BullMQ would fail (and so drop) a job redelivered past this; the runtime stops it first,
        // at MAX_DELIVERIES, and records why.
        maxStalledCount: MAX_DELIVERIES + 1,
      },
    );
    this.worker.on('closing', () => this.drain());
    this.dispatcher.start();
    this.heartbeat = setInterval(() => void this.beat(), Math.max(1000, this.config.jobs.leaseMs / 3));
    this.heartbeat.unref();
    this.logger.log(
      `Serving queue ${QueueName.Jobs} on the ${this.queues.kind} backend: ${this.types.names().join(', ') || 'no job types'}`,
    );
  }

  /** The workers have closed (their jobs ended or the deadline passed): record what they did. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.recorder.flush();
  }

  onApplicationShutdown(): void {
    clearInterval(this.heartbeat);
    clearTimeout(this.drainDeadline);
    // Whatever still runs past the shutdown deadline is told to stop; its run is reclaimed.
    for (const job of this.held.values()) job.controller.abort(new WorkerShutdownError());
  }

  /**
   * The worker is closing (BullMQ waits for its jobs, even when forced): runs whose turn has not
   * come go back at once, and runs still going at the shutdown deadline are stopped, so their
   * runs go back with their attempt (recorded before the shutdown flushes the records).
   */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    this.drainDeadline = setTimeout(() => {
      for (const job of this.held.values()) job.controller.abort(new WorkerShutdownError());
    }, this.config.shutdownTimeoutMs / 2);
    this.drainDeadline.unref();
  }

  /**
   * A batch's runs take this process's slots in order, each as one frees: a long run holds only
   * its own. A batch delivered again (its worker died) goes its own way.
   */
  private async processBatch(data: DispatchedJobData, deliveries = 1): Promise<void> {
    if (deliveries > 1) return this.processRedelivered(data, deliveries);
    const held = data.runs.map((run) => ({ run, job: this.hold(run, data.dispatchId) }));
    const ended = await Promise.allSettled(
      held.map(({ run, job }) => this.slots(() => this.process(run, job, 'grouped'))),
    );
    for (const result of ended) {
      // A run whose end is not recorded is left to its lease; its batch-mates are not held back.
      if (result.status === 'rejected') this.logger.error({ err: result.reason }, 'A job run could not be processed');
    }
  }

  /**
   * The worker that had this batch died. Only the runs that had not ended are run again, one at
   * a time, each start and end written before the next starts, so that if this worker dies as
   * well, the next delivery knows which run it was running: that one spends its attempt (and
   * fails when none are left); the others are put back with theirs.
   */
  private async processRedelivered(data: DispatchedJobData, deliveries: number): Promise<void> {
    const { dispatchId } = data;
    const last = deliveries > MAX_DELIVERIES;
    const states = await retryFor(RECORD_RETRY_MS, () =>
      this.store.stillDispatched(
        dispatchId,
        data.runs.map((run) => run.runId),
        // About to run again: a later delivery must see only this one's starts.
        { forgetStarts: !last },
      ),
    );
    const remaining = data.runs.filter((run) => states.has(run.runId));
    if (last) {
      for (const run of remaining) {
        const started = states.get(run.runId) === 'running';
        const outcome: RunOutcome = started
          ? await this.crashedOutcome(run)
          : {
              kind: 'requeue',
              errorCode: 'worker_lost',
              errorMessage: 'Its batch lost its workers before it started.',
            };
        if (started) {
          this.logger.error(
            { tenantId: run.tenantId, runId: run.runId, type: run.type, attempt: run.attempt, deliveries },
            'Job lost its workers; not run again',
          );
        }
        await this.record({
          runId: run.runId,
          dispatchId,
          attempt: run.attempt,
          startedAt: new Date(),
          outcome,
          progress: null,
        });
      }
      return;
    }
    const held = remaining.map((run) => ({ run, job: this.hold(run, dispatchId) }));
    try {
      for (const { run, job } of held) await this.slots(() => this.process(run, job, 'isolated'));
    } finally {
      // Runs not reached (a write failed for good) are left to their leases.
      for (const { job } of held) this.release(job);
    }
  }

  /** Takes a run into this worker's hands: its heartbeat keeps the lease while it waits. */
  private hold(run: DispatchedRunData, dispatchId: string): HeldRun {
    const job: HeldRun = { runId: run.runId, dispatchId, controller: new AbortController(), progress: null };
    this.held.set(keyOf(job), job);
    return job;
  }

  private release(job: HeldRun): void {
    if (this.held.get(keyOf(job)) === job) this.held.delete(keyOf(job));
  }

  private async process(data: DispatchedRunData, job: HeldRun, recording: Recording): Promise<void> {
    const { runId, tenantId, attempt } = data;
    const { dispatchId, controller } = job;
    const startedAt = new Date();
    const write = async (outcome: RunOutcome | undefined, progress: Record<string, number> | null = null) => {
      const event: RunEvent = { runId, dispatchId, attempt, startedAt, outcome, progress };
      if (recording === 'isolated') await this.record(event);
      else this.report(event);
    };
    try {
      if (controller.signal.aborted && !(controller.signal.reason instanceof WorkerShutdownError)) {
        // Cancelled or taken over while it waited: no longer this worker's to run or to report.
        return;
      }
      if (this.draining || controller.signal.aborted) {
        // The worker is stopping and this run's turn had not come: the next worker runs it.
        const error = new WorkerShutdownError();
        return await write({ kind: 'requeue', errorCode: error.code, errorMessage: error.message });
      }
      if (!(await this.isLive(tenantId))) {
        // Paused or flagged after this run was dispatched: it waits with the tenant's other runs.
        // A second for every process to see the change (the status is cached that long).
        return await write({
          kind: 'requeue',
          errorCode: 'tenant_not_active',
          errorMessage: 'The tenant is not active.',
          delayMs: 1000,
        });
      }
      // Most jobs end quickly: their end (which carries the start) is the only write. A job still
      // running after a moment is marked running, for operators and its heartbeat. Isolated, the
      // start is written before the handler runs.
      if (recording === 'isolated') await write(undefined);
      const markRunning =
        recording === 'grouped' ? setTimeout(() => void write(undefined), START_RECORD_DELAY_MS) : undefined;
      let outcome: RunOutcome;
      try {
        const type = this.types.get(data.type);
        await this.execute(type.options, type.handler.run.bind(type.handler), data, attempt, job);
        outcome = { kind: 'succeeded' };
      } catch (error) {
        outcome = await this.outcomeOf(error, data, attempt);
      } finally {
        clearTimeout(markRunning);
      }
      const ms = Date.now() - startedAt.getTime();
      const logFields = { tenantId, runId, type: data.type, attempt, ms, outcome: outcome.kind };
      if (outcome.kind === 'succeeded') this.logger.debug(logFields, 'Job succeeded');
      else this.logger.warn({ ...logFields, code: outcome.errorCode }, `Job ${outcome.kind}`);
      await write(outcome, job.progress);
    } finally {
      this.release(job);
    }
  }

  /** Writes one start or end and waits for it (retried while the database is away). */
  private async record(event: RunEvent): Promise<void> {
    await this.recorder.submit(event);
  }

  private report(event: RunEvent): void {
    this.recorder.submit(event).then(
      () => undefined,
      (error: unknown) =>
        // The run's lease runs out and it is reclaimed: it runs again rather than being lost.
        this.logger.error({ err: error, runId: event.runId }, 'Could not record a job run; it will be reclaimed'),
    );
  }

  private async execute(
    options: ResolvedJobTypeOptions,
    run: (payload: unknown, context: JobContext) => Promise<void>,
    data: DispatchedRunData,
    attempt: number,
    job: HeldRun,
  ): Promise<void> {
    const payload = this.types.parsePayload(data.type, data.payload);
    const { controller } = job;
    // Stopped while it waited for its slot or its start to be written: it does not start.
    controller.signal.throwIfAborted();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new JobTimeoutError(options.timeoutMs);
        controller.abort(error);
        reject(error);
      }, options.timeoutMs);
    });
    const aborted = new Promise<never>((_, reject) =>
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true }),
    );
    const context: JobContext = {
      tenantId: data.tenantId,
      runId: data.runId,
      attempt,
      logger: this.loggerFor(data),
      signal: controller.signal,
      getToken: (tokenOptions) => this.tokens.getToken(data.tenantId, { forceRefresh: tokenOptions?.forceRefresh }),
      graph: this.graph.forTenant(data.tenantId, { signal: controller.signal }),
      progress: (counters) => {
        job.progress = { ...counters };
      },
    };
    try {
      // A handler that ignores its signal is not waited for past its timeout or a shutdown.
      await Promise.race([run(payload, context), timedOut, aborted]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async outcomeOf(error: unknown, data: DispatchedRunData, attempt: number): Promise<RunOutcome> {
    const errorCode = error instanceof DomainError ? error.code : 'job_error';
    const errorMessage = storableMessage(error instanceof Error ? error.message : String(error));
    if (error instanceof WorkerShutdownError) {
      // Stopped by a deploy, not by its own doing: the next worker runs it with the attempt back.
      return { kind: 'requeue', errorCode: error.code, errorMessage };
    }
    if (
      error instanceof TenantThrottledError ||
      error instanceof IdentityThrottledError ||
      error instanceof GraphThrottledError
    ) {
      await this.wait('tenant', () =>
        this.store.throttleTenant(data.tenantId, new Date(Date.now() + error.retryAfterMs), errorCode),
      );
      return { kind: 'requeue', errorCode, errorMessage, delayMs: error.retryAfterMs };
    }
    if (error instanceof TenantAccessError) {
      // The token service has flagged the tenant (needs attention): its jobs wait for re-consent.
      // The delay keeps a tenant the flag missed from being asked again at once, attempt-free.
      return { kind: 'requeue', errorCode: error.code, errorMessage, delayMs: TENANT_ACCESS_RETRY_MS };
    }
    if (error instanceof ApplicationCredentialError) {
      const holdMs = this.config.jobs.credentialHoldMs;
      await this.wait('application', () =>
        this.store.hold(APPLICATION_HOLD, new Date(Date.now() + holdMs), error.code),
      );
      return { kind: 'requeue', errorCode: error.code, errorMessage, delayMs: holdMs };
    }
    if (error instanceof UnknownJobTypeError) {
      // Enqueued by newer code than this worker's (a rolling deploy): put it back for a worker
      // that knows the type, and fail it only once the run's own attempts are spent.
      if (attempt >= data.maxAttempts) return { kind: 'failed', errorCode, errorMessage };
      return { kind: 'retry', errorCode, errorMessage, delayMs: backoffDelay(UNKNOWN_TYPE_BACKOFF, attempt) };
    }
    if (error instanceof InvalidJobPayloadError || error instanceof TenantNotServedError) {
      return { kind: 'failed', errorCode, errorMessage };
    }
    let options: ResolvedJobTypeOptions;
    try {
      options = this.types.get(data.type).options;
    } catch {
      return { kind: 'failed', errorCode, errorMessage };
    }
    if (error instanceof IdentityUnavailableError) {
      // The identity platform is down for everyone: wait, but do not spend the run's attempts.
      return { kind: 'requeue', errorCode, errorMessage, delayMs: backoffDelay(options.backoff, attempt) };
    }
    if (attempt >= options.attempts) return { kind: 'failed', errorCode, errorMessage };
    return { kind: 'retry', errorCode, errorMessage, delayMs: backoffDelay(options.backoff, attempt) };
  }

  private async crashedOutcome(data: DispatchedRunData): Promise<RunOutcome> {
    const errorCode = 'worker_lost';
    const errorMessage = 'Every worker that ran this job stopped before it finished.';
    // The run's own limit: the type may be unknown here (newer code enqueued it).
    if (data.attempt >= data.maxAttempts) return { kind: 'failed', errorCode, errorMessage };
    const backoff = this.types.names().includes(data.type)
      ? this.types.get(data.type).options.backoff
      : UNKNOWN_TYPE_BACKOFF;
    return { kind: 'retry', errorCode, errorMessage, delayMs: backoffDelay(backoff, data.attempt) };
  }

  private async isLive(tenantId: string): Promise<boolean> {
    try {
      return await this.tenants.isActive(tenantId);
    } catch {
      // The registry cannot be read (database restarting): the dispatch said active; run it.
      return true;
    }
  }

  /** Records a wait (throttle, hold); if that fails, the run's own delay still keeps it back. */
  private async wait(scope: string, record: () => Promise<void>): Promise<void> {
    try {
      await record();
    } catch (error) {
      this.logger.warn({ err: error, scope }, 'Could not record a wait; the run is delayed on its own');
    }
  }

  /** Extends the leases of the runs in hand, running or waiting for a slot; stops those no longer theirs. */
  private async beat(): Promise<void> {
    const runs = [...this.held.values()];
    try {
      const gone = await this.store.heartbeat(runs, this.config.jobs.leaseMs);
      for (const ref of gone) {
        this.held.get(keyOf(ref))?.controller.abort(new Error('The run was cancelled or taken over.'));
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not extend the leases of running jobs');
    }
  }

  private loggerFor(data: DispatchedRunData): JobLogger {
    const bound = { tenantId: data.tenantId, runId: data.runId, type: data.type };
    const logger = new Logger(data.type);
    return {
      log: (message, fields) => logger.log({ ...fields, ...bound }, message),
      warn: (message, fields) => logger.warn({ ...fields, ...bound }, message),
      error: (message, fields) => logger.error({ ...fields, ...bound }, message),
      debug: (message, fields) => logger.debug({ ...fields, ...bound }, message),
    };
  }
}

/** Exponential backoff with equal jitter: half the step is fixed, half random. */
export function backoffDelay(
  backoff: { readonly delayMs: number; readonly maxDelayMs?: number },
  attempt: number,
): number {
  const step = Math.min(
    backoff.maxDelayMs ?? Number.POSITIVE_INFINITY,
    backoff.delayMs * 2 ** Math.max(0, attempt - 1),
  );
  return step / 2 + Math.random() * (step / 2);
}

/**
 * An error message as it may be stored and shown to operators: bounded, without NUL (PostgreSQL
 * text refuses it, which would fail the whole batch of outcomes), and with anything shaped like
 * a token or a bearer credential blanked.
 */
export function storableMessage(message: string): string {
  return message
    .replaceAll('\u0000', '')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[token]')
    .replace(/(bearer\s+)\S+/gi, '$1[redacted]')
    .replace(/((?:client_secret|client_assertion|access_token|password)=)[^&\s]+/gi, '$1[redacted]')
    .slice(0, MAX_ERROR_MESSAGE);
}
