import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A fleet-wide single-flight lock on one cache key: whoever holds an unexpired row fetches the
 * token. It lapses at `expiresAt` (database clock), so a crashed holder never blocks anyone.
 */
@Entity('token_locks')
export class TokenLock {
  @PrimaryColumn('text')
  cacheKey!: string;

  /** Random id of the holder; only it may release the lock. */
  @Column('text')
  holder!: string;

  @Column({ type: 'timestamptz', precision: 3 })
  expiresAt!: Date;
}
