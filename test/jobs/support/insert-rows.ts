import { setTimeout as sleep } from 'node:timers/promises';
import type { JobsTestbed } from '@tenantry/testing';

/** A count query (`SELECT count(*)::int AS n …`), through whatever connection the test trusts. */
export type Count = (sql: string) => Promise<number>;

/** The table `test.insert-row` writes to: one row per job, keyed, with the process that ran it. */
export const CREATE_ROWS_TABLE = 'CREATE TABLE crash_rows (key text PRIMARY KEY, pid integer NOT NULL)';
export const ROWS = 'SELECT count(*)::int AS n FROM crash_rows';

/** `jobs` insert-row runs spread over `tenants` new active tenants, keys prefixed. */
export async function enqueueRows(bed: JobsTestbed, prefix: string, jobs: number, tenants: number): Promise<void> {
  for (let tenant = 0; tenant < tenants; tenant += 1) {
    const tenantId = await bed.activeTenant();
    await bed.jobs.enqueueMany(
      tenantId,
      Array.from({ length: jobs / tenants }, (_, n) => ({
        type: 'test.insert-row',
        payload: { key: `${prefix}-${tenant}-${n}` },
      })),
    );
  }
}

/** Waits until every run has succeeded (or the time is up); returns how many have not. */
export async function unfinishedAfter(count: Count, timeoutMs: number): Promise<number> {
  const unfinished = `SELECT count(*)::int AS n FROM job_runs WHERE status <> 'succeeded'`;
  const deadline = Date.now() + timeoutMs;
  while ((await count(unfinished)) > 0 && Date.now() < deadline) await sleep(100);
  return count(unfinished);
}
