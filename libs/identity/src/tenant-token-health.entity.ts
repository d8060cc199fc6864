import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { Tenant } from '@tenantry/tenants';

/** What the operator may know about a tenant's tokens: outcomes and times, never a token. */
@Entity('tenant_token_health')
export class TenantTokenHealth {
  @PrimaryColumn('uuid')
  tenantId!: string;

  @OneToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'tenant_token_health_tenant_id_fkey' })
  tenant?: Tenant;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastSuccessAt!: Date | null;

  /** Expiry of the token acquired last. */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  expiresOn!: Date | null;

  @Column('text', { nullable: true })
  lastErrorCode!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastErrorAt!: Date | null;

  /** Requests sent to the identity platform for this tenant (cache hits are not requests). */
  @Column('bigint', { default: 0 })
  requestsTotal!: string;

  @Column('bigint', { default: 0 })
  failuresTotal!: string;

  @Column('integer', { nullable: true })
  lastLatencyMs!: number | null;

  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
