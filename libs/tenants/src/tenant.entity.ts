import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import type { TenantStatus } from './tenant-status';

/** A customer directory that granted (or is granting) admin consent to the ISV's app. */
@Entity('tenants')
@Check('tenants_status_check', `"status" IN ('pending', 'active', 'needs_attention', 'paused', 'offboarded')`)
@Check('tenants_max_concurrency_check', '"max_concurrency" > 0')
@Check('tenants_max_queued_jobs_check', '"max_queued_jobs" > 0')
// Keyset pagination walks (created_at, tenant_id) newest first, optionally within one status.
@Index('tenants_created_at_tenant_id_idx', ['createdAt', 'tenantId'])
@Index('tenants_status_created_at_idx', ['status', 'createdAt', 'tenantId'])
// By name: an expression index ((coalesce(display_name, ''), tenant_id)) TypeORM cannot describe.
@Index('tenants_display_name_idx', { synchronize: false })
export class Tenant {
  /** The directory (tenant) id Entra ID assigns: a GUID, the key everything else hangs off. */
  @PrimaryColumn('uuid')
  tenantId!: string;

  @Column('text', { nullable: true })
  displayName!: string | null;

  @Column('text', { nullable: true })
  primaryDomain!: string | null;

  @Column('text')
  status!: TenantStatus;

  /** Why a tenant needs attention, as a stable code (e.g. `consent_revoked`); null otherwise. */
  @Column('text', { nullable: true })
  attentionReason!: string | null;

  @Column('timestamptz', { nullable: true })
  consentedAt!: Date | null;

  /** App roles the last verified token carried. */
  @Column('text', { array: true, default: () => "'{}'" })
  grantedRoles!: string[];

  @Column('timestamptz', { nullable: true })
  verifiedAt!: Date | null;

  /** Fair-share weight class for the job runtime. */
  @Column('text', { default: 'standard' })
  tier!: string;

  /** Per-tenant overrides of the job runtime's defaults; null means the default applies. */
  @Column('integer', { nullable: true })
  maxConcurrency!: number | null;

  @Column('integer', { nullable: true })
  maxQueuedJobs!: number | null;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  /** Bumps on every change; callers pass the version they read to refuse a stale write. */
  @VersionColumn()
  version!: number;
}
