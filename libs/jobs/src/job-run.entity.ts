import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Tenant } from '@tenantry/tenants';

export const JOB_RUN_STATUSES = ['queued', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobRunStatus = (typeof JOB_RUN_STATUSES)[number];

/**
 * One job of one tenant, from enqueue to its end: the source of truth of the job runtime.
 * BullMQ only carries the runs dispatched right now; everything queued, held, retried or done
 * lives here, which is what lets dispatch be fair and a lost Redis lose nothing.
 */
@Entity('job_runs')
@Check('job_runs_status_check', `"status" IN ('queued', 'dispatched', 'running', 'succeeded', 'failed', 'cancelled')`)
// Dispatch reads each tenant's queued runs in arrival order.
@Index('job_runs_queued_idx', ['tenantId', 'id'], { where: `"status" = 'queued'` })
// In flight (a few hundred rows at most): per-tenant and per-type counts for the limits, and the
// leases to check. Every status change rewrites every index of this table, so it has few.
@Index('job_runs_in_flight_idx', ['tenantId', 'type'], { where: `"status" IN ('dispatched', 'running')` })
@Index('job_runs_idempotency_key_idx', ['tenantId', 'idempotencyKey'], {
  unique: true,
  where: `"idempotency_key" IS NOT NULL`,
})
@Index('job_runs_tenant_history_idx', ['tenantId', 'enqueuedAt'])
@Index('job_runs_history_idx', ['enqueuedAt'])
export class JobRun {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'job_runs_tenant_id_fkey' })
  tenant?: Tenant;

  /** The job type's name: a persisted contract. */
  @Column('text')
  type!: string;

  /** Validated against the type's schema on enqueue; never a secret or a token. */
  @Column('jsonb')
  payload!: unknown;

  @Column('text')
  status!: JobRunStatus;

  @Column('text', { nullable: true })
  idempotencyKey!: string | null;

  /** Executions that counted against `maxAttempts` (a throttled or held run gives its back). */
  @Column('integer', { default: 0 })
  attempts!: number;

  @Column('integer')
  maxAttempts!: number;

  /** Not dispatched before this (retry backoff). */
  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  availableAt!: Date;

  /** Which dispatch owns the run now: a stale BullMQ delivery of an older one is refused. */
  @Column('uuid', { nullable: true })
  dispatchId!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  leaseExpiresAt!: Date | null;

  /** Who asked: `api:<key id>`, `cli`, `schedule:<id>`, `code`. */
  @Column('text')
  enqueuedBy!: string;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  enqueuedAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  startedAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  finishedAt!: Date | null;

  @Column('text', { nullable: true })
  errorCode!: string | null;

  @Column('text', { nullable: true })
  errorMessage!: string | null;

  /** The handler's last progress report (counters such as pages and users seen). */
  @Column('jsonb', { nullable: true })
  progress!: Record<string, number> | null;
}
