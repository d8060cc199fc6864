import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { JobContext, JobHandler, JobType, TenantThrottledError } from '@tenantry/jobs';

/** What the test job types did, in the order they did it, shared with the test that reads it. */
export class Journal {
  static readonly starts: { tenantId: string; key: string; at: number }[] = [];
  static readonly finishes: { tenantId: string; key: string; at: number }[] = [];
  static readonly running = new Map<string, number>();
  static readonly maxRunning = new Map<string, number>();
  /** Tenants whose next job reports a throttle, with the Retry-After to report. */
  static readonly throttleNext = new Map<string, number>();

  static reset(): void {
    this.starts.length = 0;
    this.finishes.length = 0;
    this.running.clear();
    this.maxRunning.clear();
    this.throttleNext.clear();
  }
}

const RecordPayload = z.object({ key: z.string(), sleepMs: z.number().int().min(0).max(10_000).default(0) });

/** A `test.record` job as enqueued: journals its start and finish, sleeping in between. */
export const record = (key: string, sleepMs = 0) => ({ type: 'test.record', payload: { key, sleepMs } });

/** Records when it starts and ends, how many of its tenant's jobs run at once, and may throttle. */
@JobType({ name: 'test.record', payload: RecordPayload, attempts: 3, backoff: { delayMs: 50 } })
export class RecordJob implements JobHandler<z.infer<typeof RecordPayload>> {
  async run(payload: z.infer<typeof RecordPayload>, context: JobContext): Promise<void> {
    const { tenantId } = context;
    const retryAfter = Journal.throttleNext.get(tenantId);
    if (retryAfter !== undefined) {
      Journal.throttleNext.delete(tenantId);
      throw new TenantThrottledError(retryAfter, 'graph_429');
    }
    Journal.starts.push({ tenantId, key: payload.key, at: Date.now() });
    const now = (Journal.running.get(tenantId) ?? 0) + 1;
    Journal.running.set(tenantId, now);
    Journal.maxRunning.set(tenantId, Math.max(now, Journal.maxRunning.get(tenantId) ?? 0));
    try {
      if (payload.sleepMs > 0) await sleep(payload.sleepMs, undefined, { signal: context.signal });
      context.progress({ done: 1 });
    } finally {
      Journal.running.set(tenantId, (Journal.running.get(tenantId) ?? 1) - 1);
      Journal.finishes.push({ tenantId, key: payload.key, at: Date.now() });
    }
  }
}

/** Always fails: for the retry policy. */
@JobType({ name: 'test.fail', payload: z.object({}), attempts: 3, backoff: { delayMs: 20 } })
export class FailingJob implements JobHandler<Record<string, never>> {
  run(): Promise<void> {
    return Promise.reject(new Error('the directory said no'));
  }
}

/** One at a time per tenant, whatever the tenant's own limit. */
@JobType({ name: 'test.exclusive', payload: RecordPayload, concurrencyPerTenant: 1 })
export class ExclusiveJob extends RecordJob {}

const Row = z.object({ key: z.string() });

/** Inserts one row under its key, idempotently, noting which process did (the crash tests count them). */
@JobType({ name: 'test.insert-row', payload: Row, attempts: 5 })
export class InsertRowJob implements JobHandler<z.infer<typeof Row>> {
  constructor(private readonly dataSource: DataSource) {}

  async run({ key }: z.infer<typeof Row>, context: JobContext): Promise<void> {
    await sleep(5, undefined, { signal: context.signal });
    await this.dataSource.query('INSERT INTO crash_rows (key, pid) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [
      key,
      process.pid,
    ]);
  }
}

/**
 * A job that kills the worker running it, at once (before its start is recorded) — in the crash
 * test's worker processes only; anywhere else it just fails.
 */
const KillPayload = z.object({ afterMs: z.number().int().min(0).max(5000).default(0) });

@JobType({ name: 'test.kill-worker', payload: KillPayload, attempts: 1 })
export class KillWorkerJob implements JobHandler<z.infer<typeof KillPayload>> {
  async run({ afterMs }: z.infer<typeof KillPayload>): Promise<void> {
    if (afterMs > 0) await sleep(afterMs);
    if (process.env.TENANTRY_TEST_KILLABLE === '1') process.kill(process.pid, 'SIGKILL');
    throw new Error('not in a worker that may be killed');
  }
}

export const TEST_JOB_TYPES = [RecordJob, FailingJob, ExclusiveJob, InsertRowJob, KillWorkerJob];
