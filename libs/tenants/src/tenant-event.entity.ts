import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Tenant } from './tenant.entity';
import type { TenantStatus } from './tenant-status';

/** One lifecycle transition of a tenant, kept for as long as the tenant's tombstone. */
@Entity('tenant_events')
@Index('tenant_events_tenant_id_occurred_at_idx', ['tenantId', 'occurredAt'])
export class TenantEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column('uuid')
  tenantId!: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'tenant_events_tenant_id_fkey' })
  tenant?: Tenant;

  /** Null for the event that created the tenant. */
  @Column('text', { nullable: true })
  fromStatus!: TenantStatus | null;

  @Column('text')
  toStatus!: TenantStatus;

  /** A stable code for why (e.g. `admin_consent_received`, `operator_paused`). */
  @Column('text')
  reason!: string;

  /** Who caused it: `api-key:<id>`, `system:<component>` or `cli`. */
  @Column('text')
  actor!: string;

  @Column('jsonb', { nullable: true })
  details!: Record<string, unknown> | null;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  occurredAt!: Date;
}
