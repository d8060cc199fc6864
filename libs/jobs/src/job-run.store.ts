import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient, QueryResult } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { isJobRunId } from './job-run-id';
import { inlineParameters } from './sql-literals';
import {
  IdempotencyKeyReusedError,
  JobRunNotCancellableError,
  JobRunNotFoundError,
  JobRunNotRetryableError,
  TenantNotAcceptingJobsError,
  TooManyQueuedJobsError,
} from './jobs.errors';

export interface NewRun {
  readonly type: string;
  readonly payload: unknown;
  readonly idempotencyKey?: string;
  readonly maxAttempts: number;
}

export interface EnqueuedRun {
  readonly id: string;
  readonly type: string;
  /** False when an idempotency key matched a run enqueued before: that run is returned. */
  readonly created: boolean;
}

export interface DispatchedRun {
  readonly id: string;
  readonly dispatchId: string;
  /** The execution this dispatch is: 1 for the first. */
  readonly attempt: number;
  /** The run's own limit, for a worker that does not know its type (a rolling deploy). */
  readonly maxAttempts: number;
  readonly tenantId: string;
  readonly type: string;
  readonly payload: unknown;
}

export interface DispatchLimits {
  readonly globalConcurrency: number;
  readonly tenantConcurrency: number;
  /** Fair-share weight per tenant tier; a tier not listed weighs 1. */
  readonly tierWeights: Readonly<Record<string, number>>;
  /** Per-tenant caps of the job types that have one. */
  readonly typeConcurrency: ReadonlyMap<string, number>;
  readonly leaseMs: number;
  /**
   * Runs the worker processes serving the queue execute at once, all together. A round hands
   * BullMQ its runs in batches (one BullMQ job, one dispatch id each) of about `runs / workerSlots`,
   * at most `MAX_RUNS_PER_BATCH`: as many jobs as there are slots, each carrying its share.
   */
  readonly workerSlots: number;
}

/** Under load a BullMQ job carries this many runs at most; a lone run travels alone. */
export const MAX_RUNS_PER_BATCH = 16;

export interface DispatchRef {
  readonly runId: string;
  readonly dispatchId: string;
}

/** What became of one execution; `requeue` gives its attempt back (throttled, held). */
export type RunOutcome =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'failed'; readonly errorCode: string; readonly errorMessage: string }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly errorCode: string; readonly errorMessage: string }
  | {
      readonly kind: 'requeue';
      readonly errorCode: string;
      readonly errorMessage: string;
      readonly delayMs?: number;
    };

/** An execution started (no outcome yet) or ended. */
export interface RunEvent extends DispatchRef {
  readonly attempt: number;
  readonly startedAt: Date;
  readonly outcome?: RunOutcome;
  readonly progress: Record<string, number> | null;
}

const IN_FLIGHT = `('dispatched', 'running')`;
// Dispatch is one transaction at a time, fleet-wide: fairness needs one view of who ran last.
const DISPATCH_LOCK = 74_627_002;
export const APPLICATION_HOLD = 'application';

// Start-time fair queueing: a tenant whose queue was empty starts level with the tenants waiting
// (the lowest virtual time among them), so time spent idle earns it no credit.
const LEVEL_WITH_WAITING = `CASE WHEN q.queued > 0 THEN q.virtual_time ELSE GREATEST(q.virtual_time, COALESCE(
  (SELECT min(o.virtual_time) FROM tenant_job_queues o WHERE o.queued > 0 AND o.tenant_id <> q.tenant_id),
  q.virtual_time)) END`;

/**
 * Opens a tenant's queue for an enqueue: shares the tenant's row lock with an offboarding's update
 * (either the enqueue commits first and the offboarding cancels its runs, or it sees the tenant
 * offboarded), and locks the queue's row, creating it, for an exact count (null when the tenant
 * takes no jobs).
 */
const OPEN_TENANT_QUEUE = `
  WITH tenant AS (SELECT status FROM tenants WHERE tenant_id = $1::uuid FOR SHARE),
  queue AS (
    INSERT INTO tenant_job_queues (tenant_id) SELECT $1::uuid FROM tenant WHERE status <> 'offboarded'
    ON CONFLICT (tenant_id) DO UPDATE SET queued = tenant_job_queues.queued
    RETURNING queued)
  SELECT (SELECT status FROM tenant) AS status, (SELECT queued FROM queue) AS queued`;

/** New runs and the count that goes with them; a tenant whose queue was empty starts level. */
const ADD_RUNS = `
  WITH added AS (
    INSERT INTO job_runs (tenant_id, type, payload, status, idempotency_key, max_attempts, enqueued_by)
    SELECT $1::uuid, run.type, run.payload::jsonb, 'queued', run.key, run.max_attempts, $2::text
    FROM unnest($3::text[], $4::text[], $5::text[], $6::int[]) AS run(type, payload, key, max_attempts)
    RETURNING id),
  counted AS (
    UPDATE tenant_job_queues q
    SET queued = q.queued + (SELECT count(*) FROM added)::int,
        virtual_time = ${LEVEL_WITH_WAITING}
    WHERE q.tenant_id = $1::uuid)
  SELECT id FROM added`;

/**
 * Ends runs from their workers' reports (parameters `$first` … `$first + 9`, see `endedParams`):
 * the CTE `ended` (id, tenant_id, new status). A report whose dispatch is no longer the run's is
 * ignored, so a late or duplicate one never overwrites a newer state.
 */
function endedRuns(first: number): string {
  const [id, dispatchId, attempt, startedAt, status, delayMs, refund, errorCode, errorMessage, progress] = Array.from(
    { length: 10 },
    (_, index) => `$${first + index}`,
  );
  return `ended AS (
    UPDATE job_runs r SET
      status = o.status,
      attempts = o.attempt - o.refund,
      started_at = COALESCE(r.started_at, o.started_at),
      available_at = CASE WHEN o.status = 'queued' THEN now() + o.delay_ms * interval '1 millisecond'
                          ELSE r.available_at END,
      finished_at = CASE WHEN o.status IN ('succeeded', 'failed') THEN now() END,
      error_code = o.error_code,
      error_message = o.error_message,
      progress = COALESCE(o.progress, r.progress),
      dispatch_id = NULL,
      lease_expires_at = NULL
    FROM unnest(${id}::bigint[], ${dispatchId}::uuid[], ${attempt}::int[], ${startedAt}::timestamptz[], ${status}::text[],
                ${delayMs}::int[], ${refund}::int[], ${errorCode}::text[], ${errorMessage}::text[], ${progress}::jsonb[])
      AS o(id, dispatch_id, attempt, started_at, status, delay_ms, refund, error_code, error_message, progress)
    WHERE r.id = o.id AND r.dispatch_id = o.dispatch_id AND r.status IN ${IN_FLIGHT}
    RETURNING r.id, r.tenant_id, r.status)`;
}

function endedParams(ended: readonly RunEvent[]): unknown[] {
  return [
    ended.map((event) => event.runId),
    ended.map((event) => event.dispatchId),
    ended.map((event) => event.attempt),
    ended.map((event) => event.startedAt),
    ended.map((event) => statusOf(event.outcome!)),
    ended.map((event) => ('delayMs' in event.outcome! ? Math.round(event.outcome.delayMs ?? 0) : 0)),
    ended.map((event) => (event.outcome!.kind === 'requeue' ? 1 : 0)),
    ended.map((event) => (event.outcome!.kind === 'succeeded' ? null : event.outcome!.errorCode)),
    ended.map((event) => (event.outcome!.kind === 'succeeded' ? null : event.outcome!.errorMessage)),
    ended.map((event) => (event.progress ? JSON.stringify(event.progress) : null)),
  ];
}

const RECORD_ENDED = `
  WITH ${endedRuns(1)}
  UPDATE tenant_job_queues q SET queued = q.queued + c.n
  FROM (SELECT tenant_id, count(*)::int AS n FROM ended WHERE status = 'queued' GROUP BY tenant_id) c
  WHERE q.tenant_id = c.tenant_id`;

/**
 * Start-time fair queueing in one statement. Each tenant that may start runs offers its due runs
 * (oldest first, within its limit, its types' caps and the free capacity); its n-th run would
 * start at virtual time `virtual_time + (n - 1) / weight`, and the free slots go to the earliest
 * of those over all tenants. That is the order in which serving the lowest virtual time first,
 * one run at a time, hands them out, and it is work-conserving: a tenant short of due runs (in
 * backoff, types at their cap) simply offers fewer. Runs are locked SKIP LOCKED, so a round never
 * waits on (or deadlocks with) an operator's cancel or an offboarding; one of them that commits
 * first leaves the run out. Returns the dispatched runs in slot order, which BullMQ keeps; the
 * runs of a batch are consecutive and share their dispatch id.
 */
const DISPATCH_ROUND = `
  WITH ${endedRuns(10)},
  -- Runs that ended in this statement are no longer in flight, though its snapshot still shows them.
  in_flight AS (
    SELECT tenant_id, type, count(*)::int AS n FROM job_runs
    WHERE status IN ${IN_FLIGHT} AND id NOT IN (SELECT id FROM ended)
    GROUP BY tenant_id, type),
  tenant_in_flight AS (
    SELECT tenant_id, sum(n)::int AS n FROM in_flight GROUP BY tenant_id),
  capacity AS (
    SELECT CASE WHEN EXISTS (SELECT 1 FROM job_holds WHERE until > now()) THEN 0
                ELSE $1 - COALESCE((SELECT sum(n) FROM in_flight), 0)::int END AS free),
  candidates AS (
    SELECT q.tenant_id, q.virtual_time, COALESCE(w.weight, 1) AS weight,
           LEAST(COALESCE(t.max_concurrency, $2) - COALESCE(f.n, 0), q.queued, c.free) AS allowance
    FROM capacity c
    CROSS JOIN tenant_job_queues q
    JOIN tenants t ON t.tenant_id = q.tenant_id
    LEFT JOIN tenant_in_flight f ON f.tenant_id = q.tenant_id
    LEFT JOIN unnest($3::text[], $4::float8[]) AS w(tier, weight) ON w.tier = t.tier
    WHERE c.free > 0 AND q.queued > 0 AND t.status = 'active'
      AND (q.throttled_until IS NULL OR q.throttled_until <= now())
      AND COALESCE(f.n, 0) < COALESCE(t.max_concurrency, $2)
    ORDER BY q.virtual_time
    LIMIT (SELECT free * 4 + 16 FROM capacity)),
  due AS (
    SELECT c.tenant_id, c.virtual_time, c.weight, c.allowance, r.id, r.type,
           row_number() OVER (PARTITION BY c.tenant_id, r.type ORDER BY r.id) AS nth_of_type
    FROM candidates c
    CROSS JOIN LATERAL (
      SELECT id, type FROM job_runs
      WHERE tenant_id = c.tenant_id AND status = 'queued' AND available_at <= now()
      ORDER BY id LIMIT c.allowance * $7) r),
  eligible AS (
    SELECT d.*, row_number() OVER (PARTITION BY d.tenant_id ORDER BY d.id) AS nth
    FROM due d
    LEFT JOIN unnest($5::text[], $6::int[]) AS cap(type, n) ON cap.type = d.type
    -- In-flight counts are looked up only for capped types: a join on them costs more than the round.
    WHERE CASE WHEN cap.n IS NULL THEN true
               ELSE d.nth_of_type <= cap.n - COALESCE(
                 (SELECT f.n FROM in_flight f WHERE f.tenant_id = d.tenant_id AND f.type = d.type), 0) END),
  slots AS (
    SELECT id, weight, row_number() OVER (ORDER BY virtual_time + (nth - 1) / weight, virtual_time, tenant_id, nth) AS slot
    FROM eligible WHERE nth <= allowance),
  chosen AS (
    SELECT r.id, s.slot, s.weight
    FROM slots s JOIN job_runs r ON r.id = s.id
    WHERE s.slot <= (SELECT free FROM capacity) AND r.status = 'queued'
    -- An operator's cancel or an offboarding waits for this round rather than racing it.
    FOR UPDATE OF r SKIP LOCKED),
  -- Consecutive slots go to BullMQ together, a batch per dispatch id: BullMQ's cost is per job,
  -- and runs waiting their turn in BullMQ wait as long in a batch as alone.
  batched AS (
    SELECT id, slot, weight, (row_number() OVER (ORDER BY slot) - 1)
           / GREATEST(1, LEAST(${MAX_RUNS_PER_BATCH}, ceil(count(*) OVER () / $8::float8)))::int AS batch
    FROM chosen),
  -- Volatile, so computed once per batch.
  batches AS (
    SELECT batch, gen_random_uuid() AS dispatch_id FROM (SELECT DISTINCT batch FROM batched) b),
  -- The attempt is counted here, so a job that kills its worker before anything is recorded
  -- still uses up its attempts; a dispatch that never reaches BullMQ gives it back.
  dispatched AS (
    UPDATE job_runs r SET status = 'dispatched', dispatch_id = b.dispatch_id, attempts = r.attempts + 1,
           lease_expires_at = now() + $9 * interval '1 millisecond'
    FROM batched c JOIN batches b ON b.batch = c.batch WHERE r.id = c.id
    RETURNING r.id, r.tenant_id, r.type, r.payload, r.attempts, r.max_attempts, r.dispatch_id, c.slot, c.weight),
  -- One update per tenant row: what left its queue here and what ended back in it.
  counted AS (
    SELECT tenant_id, count(weight)::int AS dispatched, (count(*) - count(weight))::int AS requeued,
           min(weight) AS weight
    FROM (SELECT tenant_id, weight FROM dispatched
          UNION ALL SELECT tenant_id, NULL FROM ended WHERE status = 'queued') c
    GROUP BY tenant_id),
  advanced AS (
    UPDATE tenant_job_queues q SET queued = q.queued - c.dispatched + c.requeued,
           virtual_time = q.virtual_time + COALESCE(c.dispatched / c.weight, 0)
    FROM counted c WHERE q.tenant_id = c.tenant_id)
  SELECT id, tenant_id, type, payload, attempts, max_attempts, dispatch_id FROM dispatched ORDER BY slot`;

// TypeORM answers an UPDATE … RETURNING with [rows, count]; each is wrapped in a CTE and
// selected, so every query here answers with its rows.

/**
 * Every statement on `job_runs` and `tenant_job_queues`. It alone moves runs in and out of
 * `queued`, always in the same statement that adjusts the tenant's `queued` count, so the count
 * stays exact without triggers.
 */
@Injectable()
export class JobRunStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Adds runs to a tenant's queue, or returns the runs an idempotency key already names. Refuses
   * the whole batch beyond `maxQueued`. New runs of a tenant that had none queued start level
   * with the tenants already waiting (start-time fair queueing), never ahead of them.
   */
  enqueue(tenantId: string, runs: readonly NewRun[], enqueuedBy: string, maxQueued: number): Promise<EnqueuedRun[]> {
    // Two round trips in all (three with idempotency keys): BEGIN travels with the first
    // statement, COMMIT with the last.
    return this.onOneConnection(async (connection) => {
      const [, opened] = (await connection.query(
        `BEGIN;\n${inlineParameters(OPEN_TENANT_QUEUE, [tenantId])}`,
      )) as unknown as QueryResult<{ status: string | null; queued: number | null }>[];
      const [{ status, queued }] = opened.rows;
      if (status === null || queued === null) throw new TenantNotAcceptingJobsError(tenantId, status ?? 'unknown');
      const keys = runs.flatMap((run) => (run.idempotencyKey ? [run.idempotencyKey] : []));
      const known = new Map<string, { id: string; type: string }>();
      if (keys.length > 0) {
        const { rows } = await connection.query<{ id: string; type: string; idempotency_key: string }>(
          `SELECT id, type, idempotency_key FROM job_runs WHERE tenant_id = $1 AND idempotency_key = ANY($2::text[])`,
          [tenantId, keys],
        );
        for (const row of rows) known.set(row.idempotency_key, { id: row.id, type: row.type });
      }

      const fresh: NewRun[] = [];
      const freshKeys = new Set<string>();
      for (const run of runs) {
        const key = run.idempotencyKey;
        const previous = key ? known.get(key) : undefined;
        if (previous && previous.type !== run.type) throw new IdempotencyKeyReusedError(tenantId, key!, previous.type);
        if (previous || (key && freshKeys.has(key))) continue;
        if (key) freshKeys.add(key);
        fresh.push(run);
      }
      if (queued + fresh.length > maxQueued) throw new TooManyQueuedJobsError(tenantId, queued, maxQueued);

      let inserted: { id: string }[] = [];
      if (fresh.length === 0) {
        await connection.query('COMMIT');
      } else {
        const [added] = (await connection.query(
          `${inlineParameters(ADD_RUNS, [
            tenantId,
            enqueuedBy,
            fresh.map((run) => run.type),
            fresh.map((run) => JSON.stringify(run.payload)),
            fresh.map((run) => run.idempotencyKey ?? null),
            fresh.map((run) => run.maxAttempts),
          ])};\nCOMMIT`,
        )) as unknown as QueryResult<{ id: string }>[];
        inserted = added.rows;
      }

      // Identities are assigned in insertion order, which is the order of `fresh`.
      const ids = inserted.map((row) => row.id).sort((a, b) => Number(BigInt(a) - BigInt(b)));
      const created = new Map(fresh.map((run, index) => [run, ids[index]]));
      const createdByKey = new Map(
        fresh.flatMap((run, index) => (run.idempotencyKey ? [[run.idempotencyKey, ids[index]]] : [])),
      );
      return runs.map((run): EnqueuedRun => {
        const id = created.get(run);
        if (id !== undefined) return { id, type: run.type, created: true };
        // Named by a key: a run from before, or the first of this batch with the same key.
        const key = run.idempotencyKey!;
        const previous = known.get(key);
        return previous
          ? { id: previous.id, type: previous.type, created: false }
          : { id: createdByKey.get(key)!, type: run.type, created: false };
      });
    });
  }

  /**
   * One dispatch round: picks up to the free global capacity of due runs, tenant by tenant in
   * fair-share order, within each tenant's and each type's limit, skipping tenants that are not
   * active or are throttled; marks them dispatched under a lease. Empty while a hold is on.
   *
   * The whole round is one statement after the lock: a round is paced by its round trips, and
   * it runs for every few dozen runs that finish.
   */
  async dispatch(limits: DispatchLimits, events: readonly RunEvent[] = []): Promise<DispatchedRun[]> {
    const tiers = Object.keys(limits.tierWeights);
    const capped = [...limits.typeConcurrency];
    const { started, ended } = latestPerRun(events);
    const round = [
      'BEGIN',
      `SELECT pg_advisory_xact_lock(${DISPATCH_LOCK})`,
      ...(started.length > 0 ? [inlineParameters(RECORD_STARTED, [...startedParams(started), limits.leaseMs])] : []),
      inlineParameters(DISPATCH_ROUND, [
        limits.globalConcurrency,
        limits.tenantConcurrency,
        tiers,
        tiers.map((tier) => limits.tierWeights[tier]),
        capped.map(([type]) => type),
        capped.map(([, cap]) => cap),
        // A tenant's oldest runs may be of types at their cap: look further down its queue.
        capped.length > 0 ? 4 : 1,
        limits.workerSlots,
        limits.leaseMs,
        ...endedParams(ended),
      ]),
      'COMMIT',
    ];
    return this.onOneConnection(async (connection) => {
      // The whole transaction in one round trip, as one simple query: rounds are paced by their
      // round trips, each costing more than the statement on a busy machine.
      const results = (await connection.query(round.join(';\n'))) as unknown as QueryResult[];
      const rows = results[results.length - 2].rows as {
        id: string;
        tenant_id: string;
        type: string;
        payload: unknown;
        attempts: number;
        max_attempts: number;
        dispatch_id: string;
      }[];
      return rows.map((row) => ({
        id: String(row.id),
        dispatchId: row.dispatch_id,
        attempt: row.attempts,
        maxAttempts: row.max_attempts,
        tenantId: row.tenant_id,
        type: row.type,
        payload: row.payload,
      }));
    });
  }

  /**
   * Writes what executions did, in one statement per kind: runs that started (status `running`)
   * and runs that ended. A worker's dispatcher records them with its next round (`dispatch`); this
   * is for when it does not dispatch (shutting down). An end may arrive without its start.
   */
  async record(events: readonly RunEvent[], leaseMs: number): Promise<void> {
    const { started, ended } = latestPerRun(events);
    if (started.length > 0) await this.dataSource.query(RECORD_STARTED, [...startedParams(started), leaseMs]);
    if (ended.length > 0) await this.dataSource.query(RECORD_ENDED, endedParams(ended));
  }

  /** Extends the leases (and saves the progress) of runs held here; returns those no longer theirs (cancelled, taken over). */
  async heartbeat(
    runs: readonly (DispatchRef & { readonly progress: Record<string, number> | null })[],
    leaseMs: number,
  ): Promise<DispatchRef[]> {
    if (runs.length === 0) return [];
    const rows = await this.dataSource.query<{ id: string; dispatch_id: string }[]>(
      `WITH alive AS (
         UPDATE job_runs r SET lease_expires_at = now() + $3 * interval '1 millisecond',
                progress = COALESCE(c.progress, r.progress)
         FROM unnest($1::bigint[], $2::uuid[], $4::jsonb[]) AS c(id, dispatch_id, progress)
         WHERE r.id = c.id AND r.dispatch_id = c.dispatch_id AND r.status IN ${IN_FLIGHT}
         RETURNING r.id, r.dispatch_id)
       SELECT id, dispatch_id FROM alive`,
      [
        runs.map((run) => run.runId),
        runs.map((run) => run.dispatchId),
        leaseMs,
        runs.map((run) => (run.progress ? JSON.stringify(run.progress) : null)),
      ],
    );
    const alive = new Set(rows.map((row) => `${row.id}:${row.dispatch_id}`));
    return runs.filter((run) => !alive.has(`${run.runId}:${run.dispatchId}`));
  }

  /**
   * Those of a batch's runs still held by its dispatch, and whether each had been recorded as
   * started: a redelivered batch (its worker died) runs only what had not ended. With
   * `forgetStarts` (the batch is about to run again, one run at a time), runs recorded as started
   * go back to dispatched, so that `running` at a later delivery means started by this one.
   */
  async stillDispatched(
    dispatchId: string,
    runIds: readonly string[],
    { forgetStarts = false } = {},
  ): Promise<Map<string, 'dispatched' | 'running'>> {
    const rows = await this.dataSource.query<{ id: string; status: 'dispatched' | 'running' }[]>(
      `WITH held AS (
         SELECT id, status FROM job_runs
         WHERE id = ANY($1::bigint[]) AND dispatch_id = $2 AND status IN ${IN_FLIGHT}
         FOR UPDATE),
       -- Data-modifying: runs whether or not the answer reads it.
       forgotten AS (
         UPDATE job_runs r SET status = 'dispatched' FROM held h
         WHERE $3 AND r.id = h.id AND h.status = 'running')
       SELECT id, status FROM held`,
      [runIds, dispatchId, forgetStarts],
    );
    return new Map(rows.map((row) => [String(row.id), row.status]));
  }

  /** In-flight runs whose lease ran out: their worker died, or the queue backend lost them. */
  expiredLeases(limit: number): Promise<DispatchRef[]> {
    return this.dataSource
      .query<{ id: string; dispatch_id: string }[]>(
        `SELECT id, dispatch_id FROM job_runs WHERE status IN ${IN_FLIGHT} AND lease_expires_at < now()
         ORDER BY lease_expires_at LIMIT $1`,
        [limit],
      )
      .then((rows) => rows.map((row) => ({ runId: String(row.id), dispatchId: row.dispatch_id })));
  }

  /**
   * Expired runs the queue backend no longer waits to deliver go back to the queue. A run that
   * started, or whose job BullMQ gave up on (its worker died, twice), has spent its attempt and
   * fails once none are left, so a job that kills its worker cannot loop forever; one the backend
   * simply lost gets its attempt back. Returns how many.
   */
  async reclaim(runs: readonly (DispatchRef & { readonly spent: boolean })[]): Promise<number> {
    if (runs.length === 0) return 0;
    const rows = await this.dataSource.query<{ n: number }[]>(
      `WITH expired AS (
         SELECT r.id, (c.spent OR r.status = 'running') AS spent
         FROM job_runs r JOIN unnest($1::bigint[], $2::uuid[], $3::boolean[]) AS c(id, dispatch_id, spent)
           ON r.id = c.id AND r.dispatch_id = c.dispatch_id
         WHERE r.status IN ${IN_FLIGHT} AND r.lease_expires_at < now()
         FOR UPDATE OF r),
       lost AS (
         UPDATE job_runs r SET
           status = CASE WHEN e.spent AND r.attempts >= r.max_attempts THEN 'failed' ELSE 'queued' END,
           attempts = CASE WHEN e.spent THEN r.attempts ELSE r.attempts - 1 END,
           finished_at = CASE WHEN e.spent AND r.attempts >= r.max_attempts THEN now() END,
           error_code = CASE WHEN e.spent THEN 'worker_lost' ELSE r.error_code END,
           error_message = CASE WHEN e.spent
             THEN 'The worker running this job stopped before it finished.' ELSE r.error_message END,
           dispatch_id = NULL, lease_expires_at = NULL
         FROM expired e WHERE r.id = e.id
         RETURNING r.tenant_id, r.status),
       requeued AS (
         UPDATE tenant_job_queues q SET queued = q.queued + c.n
         FROM (SELECT tenant_id, count(*)::int AS n FROM lost WHERE status = 'queued' GROUP BY tenant_id) c
         WHERE q.tenant_id = c.tenant_id)
       SELECT count(*)::int AS n FROM lost`,
      [runs.map((run) => run.runId), runs.map((run) => run.dispatchId), runs.map((run) => run.spent)],
    );
    return rows[0]?.n ?? 0;
  }

  /** Expired runs the queue backend still holds (waiting behind long jobs) keep their dispatch. */
  async renewLeases(runs: readonly DispatchRef[], leaseMs: number): Promise<void> {
    if (runs.length === 0) return;
    await this.dataSource.query(
      `UPDATE job_runs r SET lease_expires_at = now() + $3 * interval '1 millisecond'
       FROM unnest($1::bigint[], $2::uuid[]) AS c(id, dispatch_id)
       WHERE r.id = c.id AND r.dispatch_id = c.dispatch_id AND r.status IN ${IN_FLIGHT}`,
      [runs.map((run) => run.runId), runs.map((run) => run.dispatchId), leaseMs],
    );
  }

  /** A dispatch that never reached the queue backend goes straight back to the queue. */
  async undispatch(runs: readonly DispatchRef[]): Promise<void> {
    await this.dataSource.query(
      `WITH back AS (
         UPDATE job_runs r SET status = 'queued', dispatch_id = NULL, lease_expires_at = NULL,
                attempts = r.attempts - 1
         FROM unnest($1::bigint[], $2::uuid[]) AS c(id, dispatch_id)
         WHERE r.id = c.id AND r.dispatch_id = c.dispatch_id AND r.status = 'dispatched'
         RETURNING r.tenant_id)
       UPDATE tenant_job_queues q SET queued = q.queued + c.n
       FROM (SELECT tenant_id, count(*)::int AS n FROM back GROUP BY tenant_id) c
       WHERE q.tenant_id = c.tenant_id`,
      [runs.map((run) => run.runId), runs.map((run) => run.dispatchId)],
    );
  }

  /**
   * Deletes up to `limit` finished runs enqueued before `cutoff` (the history index finds them);
   * returns how many. Unfinished runs are kept however old they are.
   */
  async pruneFinished(cutoff: Date, limit: number): Promise<number> {
    const rows = await this.dataSource.query<{ n: number }[]>(
      `WITH old AS (
         SELECT id FROM job_runs
         WHERE enqueued_at < $1 AND status IN ('succeeded', 'failed', 'cancelled')
         ORDER BY enqueued_at LIMIT $2),
       pruned AS (DELETE FROM job_runs r USING old WHERE r.id = old.id RETURNING 1)
       SELECT count(*)::int AS n FROM pruned`,
      [cutoff, limit],
    );
    return rows[0]?.n ?? 0;
  }

  /** Only this tenant's jobs wait until `until`; a later throttle never shortens an earlier one. */
  async throttleTenant(tenantId: string, until: Date, reason: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO tenant_job_queues (tenant_id, throttled_until, throttle_reason) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET
         throttled_until = GREATEST(COALESCE(tenant_job_queues.throttled_until, EXCLUDED.throttled_until), EXCLUDED.throttled_until),
         throttle_reason = EXCLUDED.throttle_reason`,
      [tenantId, until, reason],
    );
  }

  /** Every tenant's jobs wait until `until`. */
  async hold(scope: string, until: Date, reason: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO job_holds (scope, until, reason) VALUES ($1, $2, $3)
       ON CONFLICT (scope) DO UPDATE SET until = GREATEST(job_holds.until, EXCLUDED.until), reason = EXCLUDED.reason`,
      [scope, until, reason],
    );
  }

  /** Cancels a tenant's queued runs (it was offboarded); returns how many. */
  cancelQueued(tenantId: string, reason: string): Promise<number> {
    return this.dataSource.transaction(async (manager: EntityManager) => {
      const rows = await manager.query<{ id: string }[]>(
        `WITH cancelled AS (
           UPDATE job_runs SET status = 'cancelled', finished_at = now(), error_code = $2,
                  error_message = 'Cancelled before it ran.'
           WHERE tenant_id = $1 AND status = 'queued' RETURNING id)
         SELECT id FROM cancelled`,
        [tenantId, reason],
      );
      if (rows.length > 0) {
        await manager.query(`UPDATE tenant_job_queues SET queued = queued - $2 WHERE tenant_id = $1`, [
          tenantId,
          rows.length,
        ]);
      }
      return rows.length;
    });
  }

  /**
   * An operator's cancel of a run not yet finished. A queued run leaves its tenant's count; a
   * dispatched or running one loses its dispatch, so its worker's reports are ignored and its
   * next heartbeat aborts the handler.
   */
  cancel(id: string): Promise<void> {
    return this.dataSource.transaction(async (manager) => {
      const run = await this.lockRun(manager, id);
      const cancellable = run.status === 'queued' || run.status === 'dispatched' || run.status === 'running';
      if (!cancellable) throw new JobRunNotCancellableError(id, run.status);
      await manager.query(
        `WITH cancelled AS (
           UPDATE job_runs SET status = 'cancelled', finished_at = now(), error_code = 'cancelled_by_operator',
                  error_message = 'Cancelled by an operator.', dispatch_id = NULL, lease_expires_at = NULL
           WHERE id = $1 AND status = $2
           RETURNING tenant_id)
         UPDATE tenant_job_queues q SET queued = q.queued - 1
         FROM cancelled c WHERE q.tenant_id = c.tenant_id AND $2 = 'queued'`,
        [id, run.status],
      );
    });
  }

  /**
   * A failed or cancelled run goes back to the queue as new: attempts, errors and progress reset.
   * Its tenant rejoins the fair-share order level with the tenants waiting, as on enqueue.
   */
  retry(id: string): Promise<void> {
    return this.dataSource.transaction(async (manager) => {
      const run = await this.lockRun(manager, id);
      if (run.status !== 'failed' && run.status !== 'cancelled') throw new JobRunNotRetryableError(id, run.status);
      if (run.tenantStatus === 'offboarded') throw new TenantNotAcceptingJobsError(run.tenantId, run.tenantStatus);
      await manager.query(`INSERT INTO tenant_job_queues (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING`, [
        run.tenantId,
      ]);
      await manager.query(
        `WITH requeued AS (
           UPDATE job_runs SET status = 'queued', attempts = 0, available_at = now(), started_at = NULL,
                  finished_at = NULL, error_code = NULL, error_message = NULL, progress = NULL,
                  dispatch_id = NULL, lease_expires_at = NULL
           WHERE id = $1 AND status = $2
           RETURNING tenant_id)
         UPDATE tenant_job_queues q
         SET queued = q.queued + 1,
             virtual_time = ${LEVEL_WITH_WAITING}
         FROM requeued r WHERE q.tenant_id = r.tenant_id`,
        [id, run.status],
      );
    });
  }

  /**
   * A pooled connection of the driver's own, for transactions that send several statements in one
   * simple query (TypeORM keeps only the last result of those): the work opens and commits its
   * transaction itself; any failure rolls it back.
   */
  private async onOneConnection<T>(work: (connection: PoolClient) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    const connection = (await runner.connect()) as PoolClient;
    try {
      return await work(connection);
    } catch (error) {
      // A failed statement leaves its transaction open (and aborted) on this connection.
      await connection.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /**
   * Locks one run for an operator's action, and its tenant against a concurrent offboarding (whose
   * cancel of the queued runs must see a run this action requeues).
   */
  private async lockRun(
    manager: EntityManager,
    id: string,
  ): Promise<{ tenantId: string; status: string; tenantStatus: string }> {
    const [run] = isJobRunId(id)
      ? await manager.query<{ tenant_id: string; status: string; tenant_status: string }[]>(
          `SELECT r.tenant_id, r.status, t.status AS tenant_status
           FROM job_runs r JOIN tenants t ON t.tenant_id = r.tenant_id
           WHERE r.id = $1 FOR UPDATE OF r FOR SHARE OF t`,
          [id],
        )
      : [];
    if (!run) throw new JobRunNotFoundError(id);
    return { tenantId: run.tenant_id, status: run.status, tenantStatus: run.tenant_status };
  }
}

function statusOf(outcome: RunOutcome): string {
  switch (outcome.kind) {
    case 'succeeded':
      return 'succeeded';
    case 'failed':
      return 'failed';
    default:
      return 'queued';
  }
}

/**
 * Events come in order, so the latest per run wins: a start and its end in one batch become one
 * write (the end carries the start's time and attempt).
 */
function latestPerRun(events: readonly RunEvent[]): { started: RunEvent[]; ended: RunEvent[] } {
  const latest = [...new Map(events.map((event) => [event.runId, event])).values()];
  return { started: latest.filter((event) => !event.outcome), ended: latest.filter((event) => event.outcome) };
}

const RECORD_STARTED = `
  UPDATE job_runs r SET status = 'running', started_at = s.started_at, attempts = s.attempt,
         lease_expires_at = now() + $5 * interval '1 millisecond'
  FROM unnest($1::bigint[], $2::uuid[], $3::int[], $4::timestamptz[]) AS s(id, dispatch_id, attempt, started_at)
  WHERE r.id = s.id AND r.dispatch_id = s.dispatch_id AND r.status = 'dispatched'`;

function startedParams(started: readonly RunEvent[]): unknown[] {
  return [
    started.map((event) => event.runId),
    started.map((event) => event.dispatchId),
    started.map((event) => event.attempt),
    started.map((event) => event.startedAt),
  ];
}
