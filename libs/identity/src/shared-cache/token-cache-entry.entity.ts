import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * One sealed token in the PostgreSQL shared cache. Only the sealed blob carries the token; the
 * timestamps are in clear for expiry and housekeeping. Read and written with raw SQL by
 * PostgresSharedTokenStore; the entity exists so the migration check keeps the schema honest.
 */
@Entity('token_cache')
export class TokenCacheEntry {
  /** The token service's cache key (tenant, resource, credential): also the cipher's AAD. */
  @PrimaryColumn('text')
  cacheKey!: string;

  /** TokenCipher format: version, IV, tag, ciphertext of the whole entry. */
  @Column('bytea')
  ciphertext!: Buffer;

  @Column({ type: 'timestamptz', precision: 3 })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', precision: 3 })
  refreshAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
