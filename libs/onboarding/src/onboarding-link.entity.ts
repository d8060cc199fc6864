import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * An admin-consent link handed to a customer. Its `state` is a one-time secret: only its hash
 * is kept, it expires, and the callback consumes it at most once.
 */
@Entity('onboarding_links')
@Unique('onboarding_links_state_hash_key', ['stateHash'])
export class OnboardingLink {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** SHA-256 of the state, hex. */
  @Column('text', { select: false })
  stateHash!: string;

  /** The tenant the link was made for, if any: the callback must then come back for it. */
  @Column('uuid', { nullable: true })
  tenantHint!: string | null;

  /** Where the callback sends the admin afterwards (an allowed origin), instead of our page. */
  @Column('text', { nullable: true })
  returnUrl!: string | null;

  @Column('text')
  createdBy!: string;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3 })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  usedAt!: Date | null;

  /** The tenant whose consent used the link. */
  @Column('uuid', { nullable: true })
  usedByTenant!: string | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  revokedAt!: Date | null;
}
