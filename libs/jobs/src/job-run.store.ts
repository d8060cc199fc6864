import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { allocateSlots, DispatchCandidate } from './fair-share';
import { IdempotencyKeyReusedError, TooManyQueuedJobsError } from './jobs.errors';

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
  readonly tenantId: string;
  readonly type: string;
  readonly payload: unknown;
}

export interface DispatchLimits {
  readonly globalConcurrency: number;
  readonly tenantConcurrency: number;
  readonly weightOf: (tier: string) => number;
  /** Per-tenant caps of the job types that have one. */
  readonly typeConcurrency: ReadonlyMap<string, number>;
  readonly leaseMs: number;
}

export interface ClaimRequest {
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

export interface FinishedRun extends ClaimRequest {
  readonly outcome: RunOutcome;
  readonly progress: Record<string, number> | null;
}

const IN_FLIGHT = `('dispatched', 'running')`;
// Dispatch is one transaction at a time, fleet-wide: fairness needs one view of who ran last.
const DISPATCH_LOCK = 74_627_002;
export const APPLICATION_HOLD = 'application';

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
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO tenant_job_queues (tenant_id) VALUES ($1) ON CONFLICT DO NOTHING`, [tenantId]);
      const [{ queued }] = await manager.query<{ queued: number }[]>(
        `SELECT queued FROM tenant_job_queues WHERE tenant_id = $1 FOR UPDATE`,
        [tenantId],
      );
      const keys = runs.flatMap((run) => (run.idempotencyKey ? [run.idempotencyKey] : []));
      const known = new Map<string, { id: string; type: string }>();
      if (keys.length > 0) {
        const rows = await manager.query<{ id: string; type: string; idempotency_key: string }[]>(
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

      const inserted =
        fresh.length === 0
          ? []
          : await manager.query<{ id: string }[]>(
              `INSERT INTO job_runs (tenant_id, type, payload, status, idempotency_key, max_attempts, enqueued_by)
               SELECT $1, run.type, run.payload::jsonb, 'queued', run.key, run.max_attempts, $2
               FROM unnest($3::text[], $4::text[], $5::text[], $6::int[]) AS run(type, payload, key, max_attempts)
               RETURNING id`,
              [
                tenantId,
                enqueuedBy,
                fresh.map((run) => run.type),
                fresh.map((run) => JSON.stringify(run.payload)),
                fresh.map((run) => run.idempotencyKey ?? null),
                fresh.map((run) => run.maxAttempts),
              ],
            );
      if (inserted.length > 0) {
        await manager.query(
          `UPDATE tenant_job_queues q
           SET queued = q.queued + $2,
               virtual_time = CASE WHEN q.queued > 0 THEN q.virtual_time ELSE GREATEST(q.virtual_time, COALESCE(
                 (SELECT min(o.virtual_time) FROM tenant_job_queues o WHERE o.queued > 0 AND o.tenant_id <> q.tenant_id),
                 q.virtual_time)) END
           WHERE q.tenant_id = $1`,
          [tenantId, inserted.length],
        );
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
   */
  dispatch(limits: DispatchLimits): Promise<DispatchedRun[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [DISPATCH_LOCK]);
      const [hold] = await manager.query<unknown[]>(`SELECT 1 FROM job_holds WHERE until > now() LIMIT 1`);
      if (hold) return [];
      const inFlight = await manager.query<{ tenant_id: string; type: string; n: number }[]>(
        `SELECT tenant_id, type, count(*)::int AS n FROM job_runs WHERE status IN ${IN_FLIGHT} GROUP BY tenant_id, type`,
      );
      const capacity = limits.globalConcurrency - inFlight.reduce((sum, row) => sum + row.n, 0);
      if (capacity <= 0) return [];

      const tenantInFlight = new Map<string, number>();
      const typeInFlight = new Map<string, number>();
      for (const row of inFlight) {
        tenantInFlight.set(row.tenant_id, (tenantInFlight.get(row.tenant_id) ?? 0) + row.n);
        typeInFlight.set(`${row.tenant_id}|${row.type}`, row.n);
      }
      const rows = await manager.query<
        { tenant_id: string; queued: number; virtual_time: number; tier: string; limit: number; in_flight: number }[]
      >(
        `WITH in_flight AS (
           SELECT tenant_id, count(*)::int AS n FROM job_runs WHERE status IN ${IN_FLIGHT} GROUP BY tenant_id)
         SELECT q.tenant_id, q.queued, q.virtual_time, t.tier,
                COALESCE(t.max_concurrency, $1)::int AS limit, COALESCE(f.n, 0)::int AS in_flight
         FROM tenant_job_queues q
         JOIN tenants t ON t.tenant_id = q.tenant_id
         LEFT JOIN in_flight f ON f.tenant_id = q.tenant_id
         WHERE q.queued > 0 AND t.status = 'active'
           AND (q.throttled_until IS NULL OR q.throttled_until <= now())
           AND COALESCE(f.n, 0) < COALESCE(t.max_concurrency, $1)
         ORDER BY q.virtual_time
         LIMIT $2`,
        [limits.tenantConcurrency, capacity * 4 + 16],
      );
      let candidates: DispatchCandidate[] = rows.map((row) => ({
        tenantId: row.tenant_id,
        virtualTime: row.virtual_time,
        weight: limits.weightOf(row.tier),
        allowance: row.limit - row.in_flight,
        queued: row.queued,
      }));

      const picked: { id: string; tenant_id: string; type: string; payload: unknown }[] = [];
      const served = new Map<string, number>();
      let free = capacity;
      // A tenant may come up short (runs in backoff, types at their cap): hand its unused slots
      // to the others in another pass rather than leave capacity idle.
      for (let pass = 0; pass < 3 && free > 0 && candidates.length > 0; pass += 1) {
        const slots = allocateSlots(candidates, free);
        if (slots.size === 0) break;
        const tenants = [...slots.keys()];
        const runs = await manager.query<{ id: string; tenant_id: string; type: string; payload: unknown }[]>(
          `SELECT r.id, r.tenant_id, r.type, r.payload
           FROM unnest($1::uuid[], $2::int[]) AS s(tenant_id, n)
           CROSS JOIN LATERAL (
             SELECT id, tenant_id, type, payload FROM job_runs
             WHERE tenant_id = s.tenant_id AND status = 'queued' AND available_at <= now()
               AND id <> ALL($3::bigint[])
             ORDER BY id LIMIT s.n * $4
           ) r`,
          [
            tenants,
            tenants.map((tenant) => slots.get(tenant)),
            picked.map((run) => run.id),
            limits.typeConcurrency.size > 0 ? 4 : 1,
          ],
        );
        const short = new Set(tenants);
        const taken = new Map<string, number>();
        for (const run of runs) {
          const allotted = slots.get(run.tenant_id) ?? 0;
          if ((taken.get(run.tenant_id) ?? 0) >= allotted) continue;
          const typeCap = limits.typeConcurrency.get(run.type);
          const typeKey = `${run.tenant_id}|${run.type}`;
          if (typeCap !== undefined && (typeInFlight.get(typeKey) ?? 0) >= typeCap) continue;
          typeInFlight.set(typeKey, (typeInFlight.get(typeKey) ?? 0) + 1);
          taken.set(run.tenant_id, (taken.get(run.tenant_id) ?? 0) + 1);
          picked.push(run);
        }
        for (const [tenant, count] of taken) {
          served.set(tenant, (served.get(tenant) ?? 0) + count);
          free -= count;
          if (count >= (slots.get(tenant) ?? 0)) short.delete(tenant);
        }
        candidates = candidates
          .filter((candidate) => !short.has(candidate.tenantId))
          .map((candidate) => {
            const count = taken.get(candidate.tenantId) ?? 0;
            return {
              ...candidate,
              virtualTime: candidate.virtualTime + count / candidate.weight,
              allowance: candidate.allowance - count,
              queued: candidate.queued - count,
            };
          });
      }
      if (picked.length === 0) return [];

      const dispatchId = randomUUID();
      await manager.query(
        `UPDATE job_runs SET status = 'dispatched', dispatch_id = $2,
                lease_expires_at = now() + $3 * interval '1 millisecond'
         WHERE id = ANY($1::bigint[])`,
        [picked.map((run) => run.id), dispatchId, limits.leaseMs],
      );
      const tenants = [...served.keys()];
      const weights = new Map(rows.map((row) => [row.tenant_id, limits.weightOf(row.tier)]));
      await manager.query(
        `UPDATE tenant_job_queues q SET queued = q.queued - s.n, virtual_time = q.virtual_time + s.n / s.weight
         FROM unnest($1::uuid[], $2::int[], $3::float8[]) AS s(tenant_id, n, weight)
         WHERE q.tenant_id = s.tenant_id`,
        [tenants, tenants.map((tenant) => served.get(tenant)), tenants.map((tenant) => weights.get(tenant) ?? 1)],
      );
      return picked.map((run) => ({
        id: run.id,
        dispatchId,
        tenantId: run.tenant_id,
        type: run.type,
        payload: run.payload,
      }));
    });
  }

  /**
   * Marks runs running, counting an attempt. A delivery whose dispatch is no longer the run's
   * (a stale duplicate) is refused; so is a run another worker holds under a live lease.
   */
  async claim(requests: readonly ClaimRequest[], leaseMs: number): Promise<(number | null)[]> {
    const rows = await this.dataSource.query<{ id: string; attempts: number }[]>(
      `WITH claimed AS (
         UPDATE job_runs r SET status = 'running', started_at = now(), attempts = r.attempts + 1,
                lease_expires_at = now() + $3 * interval '1 millisecond'
         FROM unnest($1::bigint[], $2::uuid[]) AS c(id, dispatch_id)
         WHERE r.id = c.id AND r.dispatch_id = c.dispatch_id
           AND (r.status = 'dispatched' OR (r.status = 'running' AND r.lease_expires_at < now()))
         RETURNING r.id, r.attempts)
       SELECT id, attempts FROM claimed`,
      [requests.map((request) => request.runId), requests.map((request) => request.dispatchId), leaseMs],
    );
    const attempts = new Map(rows.map((row) => [String(row.id), row.attempts]));
    return requests.map((request) => attempts.get(request.runId) ?? null);
  }

  /** Records outcomes; runs sent back to the queue are counted in their tenant's queue again. */
  async finish(runs: readonly FinishedRun[]): Promise<boolean[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `WITH done AS (
         UPDATE job_runs r SET
           status = o.status,
           attempts = r.attempts - o.refund,
           available_at = CASE WHEN o.status = 'queued' THEN now() + o.delay_ms * interval '1 millisecond'
                               ELSE r.available_at END,
           finished_at = CASE WHEN o.status IN ('succeeded', 'failed') THEN now() END,
           error_code = o.error_code,
           error_message = o.error_message,
           progress = COALESCE(o.progress, r.progress),
           dispatch_id = NULL,
           lease_expires_at = NULL
         FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::jsonb[])
           AS o(id, dispatch_id, status, delay_ms, refund, error_code, error_message, progress)
         WHERE r.id = o.id AND r.dispatch_id = o.dispatch_id AND r.status = 'running'
         RETURNING r.id, r.tenant_id, r.status),
       requeued AS (
         UPDATE tenant_job_queues q SET queued = q.queued + c.n
         FROM (SELECT tenant_id, count(*)::int AS n FROM done WHERE status = 'queued' GROUP BY tenant_id) c
         WHERE q.tenant_id = c.tenant_id)
       SELECT id FROM done`,
      [
        runs.map((run) => run.runId),
        runs.map((run) => run.dispatchId),
        runs.map((run) => statusOf(run.outcome)),
        runs.map((run) => ('delayMs' in run.outcome ? Math.round(run.outcome.delayMs ?? 0) : 0)),
        runs.map((run) => (run.outcome.kind === 'requeue' ? 1 : 0)),
        runs.map((run) => (run.outcome.kind === 'succeeded' ? null : run.outcome.errorCode)),
        runs.map((run) => (run.outcome.kind === 'succeeded' ? null : run.outcome.errorMessage)),
        runs.map((run) => (run.progress ? JSON.stringify(run.progress) : null)),
      ],
    );
    const recorded = new Set(rows.map((row) => String(row.id)));
    return runs.map((run) => recorded.has(run.runId));
  }

  /** Extends the leases (and saves the progress) of runs running here; returns those no longer theirs. */
  async heartbeat(
    runs: readonly (ClaimRequest & { readonly progress: Record<string, number> | null })[],
    leaseMs: number,
  ): Promise<Set<string>> {
    if (runs.length === 0) return new Set();
    const rows = await this.dataSource.query<{ id: string }[]>(
      `WITH alive AS (
         UPDATE job_runs r SET lease_expires_at = now() + $3 * interval '1 millisecond',
                progress = COALESCE(c.progress, r.progress)
         FROM unnest($1::bigint[], $2::uuid[], $4::jsonb[]) AS c(id, dispatch_id, progress)
         WHERE r.id = c.id AND r.dispatch_id = c.dispatch_id AND r.status = 'running'
         RETURNING r.id)
       SELECT id FROM alive`,
      [
        runs.map((run) => run.runId),
        runs.map((run) => run.dispatchId),
        leaseMs,
        runs.map((run) => (run.progress ? JSON.stringify(run.progress) : null)),
      ],
    );
    const alive = new Set(rows.map((row) => String(row.id)));
    return new Set(runs.filter((run) => !alive.has(run.runId)).map((run) => run.runId));
  }

  /**
   * Runs whose lease ran out (their worker died, or the queue backend lost them) go back to the
   * queue; one that was already running counts the attempt, and fails once it has none left, so a
   * job that kills its worker cannot loop forever.
   */
  async reclaimExpired(): Promise<number> {
    const rows = await this.dataSource.query<{ n: number }[]>(
      `WITH lost AS (
         UPDATE job_runs SET
           status = CASE WHEN status = 'running' AND attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
           finished_at = CASE WHEN status = 'running' AND attempts >= max_attempts THEN now() END,
           error_code = CASE WHEN status = 'running' THEN 'worker_lost' ELSE error_code END,
           error_message = CASE WHEN status = 'running'
             THEN 'The worker running this job stopped before it finished.' ELSE error_message END,
           dispatch_id = NULL, lease_expires_at = NULL
         WHERE status IN ${IN_FLIGHT} AND lease_expires_at < now()
         RETURNING tenant_id, status),
       requeued AS (
         UPDATE tenant_job_queues q SET queued = q.queued + c.n
         FROM (SELECT tenant_id, count(*)::int AS n FROM lost WHERE status = 'queued' GROUP BY tenant_id) c
         WHERE q.tenant_id = c.tenant_id)
       SELECT count(*)::int AS n FROM lost`,
    );
    return rows[0]?.n ?? 0;
  }

  /** A dispatch that never reached the queue backend goes straight back to the queue. */
  async undispatch(runs: readonly ClaimRequest[]): Promise<void> {
    await this.dataSource.query(
      `WITH back AS (
         UPDATE job_runs r SET status = 'queued', dispatch_id = NULL, lease_expires_at = NULL
         FROM unnest($1::bigint[], $2::uuid[]) AS c(id, dispatch_id)
         WHERE r.id = c.id AND r.dispatch_id = c.dispatch_id AND r.status = 'dispatched'
         RETURNING r.tenant_id)
       UPDATE tenant_job_queues q SET queued = q.queued + c.n
       FROM (SELECT tenant_id, count(*)::int AS n FROM back GROUP BY tenant_id) c
       WHERE q.tenant_id = c.tenant_id`,
      [runs.map((run) => run.runId), runs.map((run) => run.dispatchId)],
    );
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
