import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { OperatorRole } from './operator-role';

/** An operator credential. The key itself is shown once at creation; only its hash is kept. */
@Entity('api_keys')
@Check('api_keys_role_check', `"role" IN ('viewer', 'operator', 'admin')`)
@Unique('api_keys_secret_hash_key', ['secretHash'])
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  role!: OperatorRole;

  /** The non-secret start of the key, so an operator can tell keys apart in lists and logs. */
  @Column('text')
  prefix!: string;

  /** SHA-256 of the whole key, hex. Keys carry 256 random bits, so a slow hash adds nothing. */
  @Column('text', { select: false })
  secretHash!: string;

  @Column('text')
  createdBy!: string;

  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  expiresAt!: Date | null;

  @Column({ type: 'timestamptz', precision: 3, nullable: true })
  revokedAt!: Date | null;
}
