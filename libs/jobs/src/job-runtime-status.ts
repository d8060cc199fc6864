import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type AppConfig, APP_CONFIG } from '@tenantry/config';

export interface JobRuntimeLimits {
  readonly workerConcurrency: number;
  readonly globalConcurrency: number;
  readonly tenantConcurrency: number;
  readonly tenantMaxQueued: number;
  readonly tierWeights: Readonly<Record<string, number>>;
  /** Tenants with limits of their own. */
  readonly tenantOverrides: readonly {
    readonly tenantId: string;
    readonly maxConcurrency: number | null;
    readonly maxQueuedJobs: number | null;
  }[];
}

export interface JobRuntimeState {
  /** Runs waiting, handed to a worker, or running, across every tenant. */
  readonly runs: { readonly queued: number; readonly dispatched: number; readonly running: number };
  /** Tenants whose jobs wait out a throttle, soonest end first. */
  readonly throttled: readonly { readonly tenantId: string; readonly until: Date; readonly reason: string | null }[];
  /** Holds on every job (a rejected app credential), while in force. */
  readonly holds: readonly { readonly scope: string; readonly until: Date; readonly reason: string }[];
}

// Both lists stay short in practice; a bound keeps a pathological day from a huge answer.
const LIST_LIMIT = 500;

/** The job runtime's limits in force and what holds work back, for operators. */
@Injectable()
export class JobRuntimeStatus {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async limits(): Promise<JobRuntimeLimits> {
    const { workerConcurrency, globalConcurrency, tenantConcurrency, tenantMaxQueued, tierWeights } = this.config.jobs;
    const overrides = await this.dataSource.query<
      { tenant_id: string; max_concurrency: number | null; max_queued_jobs: number | null }[]
    >(
      `SELECT tenant_id, max_concurrency, max_queued_jobs FROM tenants
       WHERE (max_concurrency IS NOT NULL OR max_queued_jobs IS NOT NULL) AND status <> 'offboarded'
       ORDER BY tenant_id LIMIT ${LIST_LIMIT}`,
    );
    return {
      workerConcurrency,
      globalConcurrency,
      tenantConcurrency,
      tenantMaxQueued,
      tierWeights,
      tenantOverrides: overrides.map((row) => ({
        tenantId: row.tenant_id,
        maxConcurrency: row.max_concurrency,
        maxQueuedJobs: row.max_queued_jobs,
      })),
    };
  }

  async state(): Promise<JobRuntimeState> {
    const [[runs], throttled, holds] = await Promise.all([
      this.dataSource.query<{ queued: number; dispatched: number; running: number }[]>(
        `SELECT (SELECT coalesce(sum(queued), 0)::int FROM tenant_job_queues) AS queued,
                (SELECT count(*)::int FROM job_runs WHERE status = 'dispatched') AS dispatched,
                (SELECT count(*)::int FROM job_runs WHERE status = 'running') AS running`,
      ),
      this.dataSource.query<{ tenant_id: string; until: Date; reason: string | null }[]>(
        `SELECT tenant_id, throttled_until AS until, throttle_reason AS reason FROM tenant_job_queues
         WHERE throttled_until > now() ORDER BY throttled_until LIMIT ${LIST_LIMIT}`,
      ),
      this.dataSource.query<{ scope: string; until: Date; reason: string }[]>(
        `SELECT scope, until, reason FROM job_holds WHERE until > now() ORDER BY until`,
      ),
    ]);
    return {
      runs,
      throttled: throttled.map((row) => ({ tenantId: row.tenant_id, until: row.until, reason: row.reason })),
      holds,
    };
  }
}
