import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { SharedTokenEntry, SharedTokenStore } from './shared-token-store';
import { TokenCipher } from './token-cipher';

// Expired rows are invisible to readers, so removing them is only housekeeping: piggy-back it on
// one write in this many rather than running a timer in every process.
const PURGE_EVERY_SETS = 200;

/**
 * The shared cache on PostgreSQL (a server or the embedded PGlite), tables `token_cache` and
 * `token_locks`. Every operation is one plain statement, so it is atomic without a transaction and
 * behaves the same on PGlite, which multiplexes all connections onto one session.
 */
export class PostgresSharedTokenStore implements SharedTokenStore {
  private readonly logger = new Logger(PostgresSharedTokenStore.name);
  private setsSincePurge = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: TokenCipher,
  ) {}

  async get(key: string): Promise<SharedTokenEntry | undefined> {
    const [row] = await this.dataSource.query<{ ciphertext: Buffer }[]>(
      `SELECT "ciphertext" FROM "token_cache" WHERE "cache_key" = $1 AND "expires_at" > $2`,
      [key, new Date()],
    );
    if (row === undefined) return undefined;
    const entry = this.cipher.open(key, row.ciphertext);
    return entry !== undefined && entry.expiresOn > Date.now() ? entry : undefined;
  }

  async set(key: string, entry: SharedTokenEntry): Promise<void> {
    if (entry.expiresOn <= Date.now()) {
      await this.delete(key);
      return;
    }
    await this.dataSource.query(
      `INSERT INTO "token_cache" ("cache_key", "ciphertext", "expires_at", "refresh_at", "updated_at")
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT ("cache_key") DO UPDATE SET
         "ciphertext" = excluded."ciphertext",
         "expires_at" = excluded."expires_at",
         "refresh_at" = excluded."refresh_at",
         "updated_at" = excluded."updated_at"`,
      [key, this.cipher.seal(key, entry), new Date(entry.expiresOn), new Date(entry.refreshOn)],
    );
    if (++this.setsSincePurge >= PURGE_EVERY_SETS) {
      this.setsSincePurge = 0;
      await this.purgeExpired().catch((error: Error) => this.logger.warn(`Purging expired tokens: ${error.message}`));
    }
  }

  async delete(key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM "token_cache" WHERE "cache_key" = $1`, [key]);
  }

  async tryLock(key: string, ttlMs: number): Promise<string | undefined> {
    const holder = randomBytes(16).toString('base64url');
    // One statement: insert, or take over a lapsed lock; a row comes back only when we hold it.
    // Lock expiry uses the database's clock, the one clock every process shares.
    const rows = await this.dataSource.query<{ holder: string }[]>(
      `INSERT INTO "token_locks" ("cache_key", "holder", "expires_at")
       VALUES ($1, $2, now() + $3::double precision * interval '1 millisecond')
       ON CONFLICT ("cache_key") DO UPDATE SET "holder" = excluded."holder", "expires_at" = excluded."expires_at"
       WHERE "token_locks"."expires_at" < now()
       RETURNING "holder"`,
      [key, holder, Math.max(1, Math.ceil(ttlMs))],
    );
    return rows[0]?.holder === holder ? holder : undefined;
  }

  async unlock(key: string, holder: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM "token_locks" WHERE "cache_key" = $1 AND "holder" = $2`, [key, holder]);
  }

  /** Deletes expired entries and lapsed locks; returns how many rows went. */
  async purgeExpired(): Promise<number> {
    // TypeORM answers a DELETE with [rows, affected].
    const [, entries] = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM "token_cache" WHERE "expires_at" <= $1`,
      [new Date()],
    );
    const [, locks] = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM "token_locks" WHERE "expires_at" < now()`,
    );
    return entries + locks;
  }
}
