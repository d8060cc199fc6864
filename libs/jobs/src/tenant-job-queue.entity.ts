import { Check, Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '@tenantry/tenants';

/**
 * The dispatcher's view of one tenant: how many runs wait, its place in the fair-share order,
 * and whether it is throttled. Kept in step with `job_runs` by the run store alone.
 */
@Entity('tenant_job_queues')
@Check('tenant_job_queues_queued_check', '"queued" >= 0')
// The tenants with work, in fair-share order.
@Index('tenant_job_queues_backlog_idx', ['virtualTime'], { where: '"queued" > 0' })
export class TenantJobQueue {
  @PrimaryColumn('uuid')
  tenantId!: string;

  @OneToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'tenant_job_queues_tenant_id_fkey' })
  tenant?: Tenant;

  /** Runs in status `queued` (counted exactly, so backpressure is one row read). */
  @Column('integer', { default: 0 })
  queued!: number;

  /**
   * Start-time fair queueing: each dispatched run advances it by 1 / the tenant's weight, and
   * dispatch serves the lowest first. A tenant that was idle starts level with the others.
   */
  @Column('double precision', { default: 0 })
  virtualTime!: number;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  throttledUntil!: Date | null;

  @Column('text', { nullable: true })
  throttleReason!: string | null;
}
