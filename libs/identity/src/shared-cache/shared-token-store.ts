/**
 * The second cache level, shared by every Tenantry process: tokens (encrypted at rest) and the
 * short locks that make token acquisition single-flight across the fleet. Redis when `REDIS_URL`
 * is set, PostgreSQL otherwise; the token service sees only this interface.
 */
export interface SharedTokenEntry {
  readonly accessToken: string;
  /** Epoch milliseconds. */
  readonly expiresOn: number;
  /** Epoch milliseconds: when a refresh should start (from `refresh_in`, or before expiry). */
  readonly refreshOn: number;
}

export interface SharedTokenStore {
  /** The entry, decrypted; undefined when absent, expired, or not decryptable with our key. */
  get(key: string): Promise<SharedTokenEntry | undefined>;
  /** Stores the entry encrypted, bound to `key`, until it expires. */
  set(key: string, entry: SharedTokenEntry): Promise<void>;
  delete(key: string): Promise<void>;
  /**
   * Tries to become the one holder fetching `key`. Returns a holder token when acquired, or
   * undefined when someone else holds it. The lock lapses after `ttlMs` so a crashed holder never
   * blocks anyone.
   */
  tryLock(key: string, ttlMs: number): Promise<string | undefined>;
  /** Releases the lock if (and only if) `holder` still holds it. */
  unlock(key: string, holder: string): Promise<void>;
}

export const SHARED_TOKEN_STORE = Symbol('SHARED_TOKEN_STORE');
