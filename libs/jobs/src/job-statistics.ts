import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { assertTenantId } from '@tenantry/tenants';

export interface TenantJobStatistics {
  /** Runs waiting for their turn (exact: the dispatcher's own count). */
  readonly queued: number;
  /** Runs handed to a worker or running now. */
  readonly running: number;
  readonly failedLast24h: number;
  /** When each job type last succeeded for the tenant. */
  readonly lastSuccessByType: Readonly<Record<string, Date>>;
  /** Graph or the identity platform throttled the tenant: its jobs wait until then. */
  readonly throttledUntil: Date | null;
  readonly throttleReason: string | null;
}

/** What operators want to know about a tenant's jobs at a glance. */
@Injectable()
export class JobStatistics {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async forTenant(tenantId: string): Promise<TenantJobStatistics> {
    const id = assertTenantId(tenantId);
    const [[counts], lastSuccesses] = await Promise.all([
      this.dataSource.query<
        {
          queued: number;
          running: number;
          failed: number;
          throttled_until: Date | null;
          throttle_reason: string | null;
        }[]
      >(
        `SELECT coalesce(q.queued, 0) AS queued,
                (SELECT count(*)::int FROM job_runs WHERE tenant_id = $1 AND status IN ('dispatched', 'running')) AS running,
                (SELECT count(*)::int FROM job_runs WHERE tenant_id = $1 AND status = 'failed'
                   AND finished_at > now() - interval '24 hours') AS failed,
                CASE WHEN q.throttled_until > now() THEN q.throttled_until END AS throttled_until,
                CASE WHEN q.throttled_until > now() THEN q.throttle_reason END AS throttle_reason
         FROM (SELECT 1) AS one LEFT JOIN tenant_job_queues q ON q.tenant_id = $1`,
        [id],
      ),
      this.dataSource.query<{ type: string; finished_at: Date }[]>(
        `SELECT DISTINCT ON (type) type, finished_at FROM job_runs
         WHERE tenant_id = $1 AND status = 'succeeded' ORDER BY type, finished_at DESC`,
        [id],
      ),
    ]);
    return {
      queued: counts.queued,
      running: counts.running,
      failedLast24h: counts.failed,
      lastSuccessByType: Object.fromEntries(lastSuccesses.map((row) => [row.type, row.finished_at])),
      throttledUntil: counts.throttled_until,
      throttleReason: counts.throttle_reason,
    };
  }
}
