import { Check, Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Tenant } from '@tenantry/tenants';

export type SyncRoundKind = 'full' | 'incremental';

/**
 * Where a tenant's directory sync stands. A round is one walk of `users/delta` pages, from the
 * start (full) or from the stored delta link (incremental); `roundLink` is its checkpoint, so a
 * crashed round resumes at the page after the last one written.
 */
@Entity('directory_sync_states')
@Check('directory_sync_states_round_kind_check', `"round_kind" IN ('full', 'incremental')`)
export class DirectorySyncState {
  @PrimaryColumn('uuid')
  tenantId!: string;

  @OneToOne(() => Tenant, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'directory_sync_states_tenant_id_fkey' })
  tenant?: Tenant;

  /** Where the next incremental round starts (Graph's `@odata.deltaLink`). */
  @Column('text', { nullable: true })
  deltaLink!: string | null;

  /** The `$select` the delta link was made with: another one needs a full round to fill in. */
  @Column('text', { nullable: true })
  deltaSelect!: string | null;

  /** The round in progress, if any. */
  @Column('text', { nullable: true })
  roundKind!: SyncRoundKind | null;

  /** The next page of the round in progress. */
  @Column('text', { nullable: true })
  roundLink!: string | null;

  /**
   * The sync that owns the round (a fencing token): writes from any other are refused, so a run
   * that outlived its lease, or one writing after an offboarding purge, changes nothing.
   */
  @Column('uuid', { nullable: true })
  roundOwner!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  roundStartedAt!: Date | null;

  @Column('integer', { default: 0 })
  roundPages!: number;

  @Column('integer', { default: 0 })
  roundUsers!: number;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastSuccessAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastFullSyncAt!: Date | null;

  @Column('text', { nullable: true })
  lastErrorCode!: string | null;

  @Column('text', { nullable: true })
  lastErrorMessage!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastErrorAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3, default: () => 'now()' })
  updatedAt!: Date;
}
