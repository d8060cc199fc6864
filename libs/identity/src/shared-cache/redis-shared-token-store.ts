import { OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SharedTokenEntry, SharedTokenStore } from './shared-token-store';
import { TokenCipher } from './token-cipher';

// Compare-and-delete: only the holder that took the lock may release it, so a holder whose lock
// lapsed (and was taken by another process) never releases the new holder's lock.
const UNLOCK_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface RedisSharedTokenStoreOptions {
  /** Quit the client on application shutdown: set when the store created the connection. */
  readonly ownsConnection?: boolean;
}

/**
 * The shared cache on Redis: `{prefix}:token-cache:{key}` holds the sealed entry (version, IV, tag,
 * ciphertext; timestamps only inside the ciphertext) with a PX TTL ending at the token's expiry, so
 * Redis drops it on time; `{prefix}:token-lock:{key}` is a `SET NX PX` lock.
 */
export class RedisSharedTokenStore implements SharedTokenStore, OnApplicationShutdown {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly cipher: TokenCipher,
    private readonly options: RedisSharedTokenStoreOptions = {},
  ) {}

  async get(key: string): Promise<SharedTokenEntry | undefined> {
    const sealed = await this.redis.getBuffer(this.entryKey(key));
    if (sealed === null) return undefined;
    const entry = this.cipher.open(key, sealed);
    // Redis's TTL and our clock can differ by a little; the sealed expiry has the last word.
    return entry !== undefined && entry.expiresOn > Date.now() ? entry : undefined;
  }

  async set(key: string, entry: SharedTokenEntry): Promise<void> {
    const ttlMs = Math.floor(entry.expiresOn - Date.now());
    // An already-expired entry replaces whatever was there with nothing (PX must be positive).
    if (ttlMs < 1) {
      await this.redis.del(this.entryKey(key));
      return;
    }
    await this.redis.set(this.entryKey(key), this.cipher.seal(key, entry), 'PX', ttlMs);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.entryKey(key));
  }

  async tryLock(key: string, ttlMs: number): Promise<string | undefined> {
    const holder = randomBytes(16).toString('base64url');
    const acquired = await this.redis.set(this.lockKey(key), holder, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    return acquired === 'OK' ? holder : undefined;
  }

  async unlock(key: string, holder: string): Promise<void> {
    await this.redis.eval(UNLOCK_SCRIPT, 1, this.lockKey(key), holder);
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.options.ownsConnection || this.redis.status === 'end') return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private entryKey(key: string): string {
    return `${this.prefix}:token-cache:${key}`;
  }

  private lockKey(key: string): string {
    return `${this.prefix}:token-lock:${key}`;
  }
}
