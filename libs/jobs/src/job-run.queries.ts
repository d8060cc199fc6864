import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { InvalidCursorError, KeysetCursor } from '@tenantry/database';
import { assertTenantId } from '@tenantry/tenants';
import { isJobRunId } from './job-run-id';
import { JobRun, JobRunStatus } from './job-run.entity';
import { JobRunNotFoundError } from './jobs.errors';

const VIEW_COLUMNS = [
  'id',
  'tenantId',
  'type',
  'status',
  'payload',
  'attempts',
  'maxAttempts',
  'idempotencyKey',
  'enqueuedBy',
  'enqueuedAt',
  'availableAt',
  'startedAt',
  'finishedAt',
  'errorCode',
  'errorMessage',
  'progress',
] as const satisfies readonly (keyof JobRun)[];

/** One run as operators see it: its history, never the dispatcher's internals (dispatch, lease). */
export type JobRunView = Readonly<Pick<JobRun, (typeof VIEW_COLUMNS)[number]>>;

export interface JobRunListQuery {
  /** One tenant's runs; every tenant's when absent. */
  readonly tenantId?: string;
  readonly type?: string;
  readonly status?: readonly JobRunStatus[];
  /** Enqueued at or after this. */
  readonly from?: Date;
  /** Enqueued before this. */
  readonly to?: Date;
  readonly limit: number;
  readonly cursor?: string;
}

export interface JobRunPage {
  readonly items: JobRunView[];
  readonly nextCursor: string | null;
}

/** The run history, read side: newest first, keyset-paginated on (enqueued_at, id). */
@Injectable()
export class JobRunQueries {
  constructor(@InjectRepository(JobRun) private readonly runs: Repository<JobRun>) {}

  async get(id: string): Promise<JobRunView> {
    // Not an id PostgreSQL could have issued: no such run, rather than a failed cast.
    const run = isJobRunId(id)
      ? await this.runs
          .createQueryBuilder('run')
          .select(VIEW_COLUMNS.map((column) => `run.${column}`))
          .where('run.id = :id', { id })
          .getOne()
      : null;
    if (!run) throw new JobRunNotFoundError(id);
    // Only the view's columns were read: the entity is the view.
    return run;
  }

  async list(query: JobRunListQuery): Promise<JobRunPage> {
    const builder = this.runs
      .createQueryBuilder('run')
      .select(VIEW_COLUMNS.map((column) => `run.${column}`))
      .orderBy('run.enqueuedAt', 'DESC')
      .addOrderBy('run.id', 'DESC')
      .limit(query.limit + 1);
    if (query.tenantId !== undefined)
      builder.andWhere('run.tenantId = :tenantId', { tenantId: assertTenantId(query.tenantId) });
    if (query.type !== undefined) builder.andWhere('run.type = :type', { type: query.type });
    if (query.status?.length) builder.andWhere('run.status IN (:...status)', { status: query.status });
    if (query.from) builder.andWhere('run.enqueuedAt >= :from', { from: query.from });
    if (query.to) builder.andWhere('run.enqueuedAt < :to', { to: query.to });
    if (query.cursor) {
      const [enqueuedAt, id] = KeysetCursor.decode(query.cursor, ['timestamp', 'string'] as const);
      if (!isJobRunId(id)) throw new InvalidCursorError();
      builder.andWhere('(run.enqueuedAt, run.id) < (:enqueuedAt, :id)', { enqueuedAt, id });
    }
    const rows: JobRunView[] = await builder.getMany();
    return KeysetCursor.page(rows, query.limit, (run) => [run.enqueuedAt.toISOString(), run.id]);
  }
}
