import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { Tenant } from '@tenantry/tenants';

/**
 * A tenant's recurring job: cron (with time zone) or a fixed interval. Kept in step with a BullMQ
 * job scheduler of the same id, which fires it; this row is the source of truth.
 */
@Entity('job_schedules')
@Check('job_schedules_timing_check', `("cron" IS NULL) <> ("every_ms" IS NULL)`)
@Check('job_schedules_origin_check', `"origin" IN ('default', 'operator')`)
// A job type's default schedule exists once per tenant.
@Index('job_schedules_default_idx', ['tenantId', 'type'], { unique: true, where: `"origin" = 'default'` })
@Index('job_schedules_tenant_idx', ['tenantId', 'createdAt'])
export class JobSchedule {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'job_schedules_tenant_id_fkey' })
  tenant?: Tenant;

  @Column('text')
  type!: string;

  @Column('jsonb')
  payload!: unknown;

  @Column('text', { nullable: true })
  cron!: string | null;

  @Column('integer', { nullable: true })
  everyMs!: number | null;

  /** IANA time zone the cron expression is read in. */
  @Column('text', { default: 'UTC' })
  timezone!: string;

  @Column('boolean', { default: true })
  enabled!: boolean;

  /** `default`: created from the job type when the tenant became active; `operator`: by hand. */
  @Column('text')
  origin!: 'default' | 'operator';

  @Column('text')
  createdBy!: string;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastFiredAt!: Date | null;

  /** The run its last firing enqueued (null when the firing was skipped). */
  @Column('bigint', { nullable: true })
  lastRunId!: string | null;
}
