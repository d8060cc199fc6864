import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One user of a tenant's directory as the last sync saw it. Written by the sync alone (raw SQL,
 * see DirectoryStore); the typed columns are projections of `properties` for listing and search.
 */
@Entity('directory_users')
@Index('directory_users_listing_idx', ['tenantId', 'userPrincipalName', 'objectId'])
export class DirectoryUser {
  /** No foreign key (see the migration): the sync state's row carries it. */
  @PrimaryColumn('uuid')
  tenantId!: string;

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

  /**
   * The last time a sync round returned the user with something to write: a change, or a full
   * round marking who is still there. An incremental round leaves unchanged users alone.
   */
  @Column({ type: 'timestamptz', precision: 3 })
  lastSeenAt!: Date;

  /** The last time a sync changed this row's content. */
  @Column({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
