import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '@tenantry/tenants';

/**
 * One user of a tenant's directory as the last sync saw it. Written by the sync alone (raw SQL,
 * see DirectoryStore); the typed columns are projections of `properties` for listing and search.
 */
@Entity('directory_users')
@Index('directory_users_listing_idx', ['tenantId', 'userPrincipalName', 'objectId'])
export class DirectoryUser {
  @PrimaryColumn('uuid')
  tenantId!: string;

  @ManyToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'directory_users_tenant_id_fkey' })
  tenant?: Tenant;

  /** The user's Entra object id. */
  @PrimaryColumn('uuid')
  objectId!: string;

  /**
   * The Graph properties the sync selects, merged across delta rounds (a delta answer may carry
   * only what changed). Widening the sync's `$select` needs no migration.
   */
  @Column('jsonb')
  properties!: Record<string, unknown>;

  @Column('text')
  userPrincipalName!: string;

  @Column('text', { nullable: true })
  displayName!: string | null;

  @Column('text', { nullable: true })
  mail!: string | null;

  @Column('boolean', { nullable: true })
  accountEnabled!: boolean | null;

  /** When a sync learnt the user was removed (soft-deleted users count as removed, as in Graph). */
  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  deletedAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3 })
  firstSeenAt!: Date;

  /** The last sync round that returned the user (a full round returns everyone). */
  @Column({ type: 'timestamptz', precision: 3 })
  lastSeenAt!: Date;

  /** The last time a sync changed this row's content. */
  @Column({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
