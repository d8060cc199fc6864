import { createCipheriv, createDecipheriv, createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import type { SharedTokenEntry } from './shared-token-store';

/**
 * Format 1: `[version 0x01][IV, 12 bytes][GCM tag, 16 bytes][ciphertext]`. The leading byte lets a
 * later format (or a key-rotation scheme that names its key) coexist with entries already stored;
 * anything with an unknown version simply reads as a cache miss.
 */
const FORMAT_V1 = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;
const KEY_BYTES = 32;

// Domain separation: the same key used for anything else can never produce a valid entry here.
const AAD_LABEL = Buffer.from('tenantry/token-cache\0', 'utf8');

interface SealedEntry {
  readonly t: string;
  readonly e: number;
  readonly r: number;
}

/**
 * AES-256-GCM for tokens at rest in the shared cache. The cache key is bound in as associated data,
 * so a ciphertext copied under another key (another tenant's) fails authentication instead of
 * handing tenant A's token to tenant B. Decryption never throws: any failure is a cache miss, and
 * no error ever carries token material.
 */
export class TokenCipher {
  // A KeyObject, not a Buffer, so an accidental log or inspect of this object shows no key bytes.
  private readonly key: KeyObject;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`The token cache key must be ${KEY_BYTES} bytes`);
    this.key = createSecretKey(Buffer.from(key));
  }

  encrypt(plaintext: Buffer, context: string): Buffer {
    const header = Buffer.alloc(HEADER_BYTES);
    header[0] = FORMAT_V1;
    const iv = randomBytes(IV_BYTES);
    iv.copy(header, 1);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(FORMAT_V1, context));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    cipher.getAuthTag().copy(header, 1 + IV_BYTES);
    return Buffer.concat([header, body]);
  }

  /** The plaintext, or undefined when the blob is malformed, tampered, for another context or key. */
  decrypt(sealed: Buffer, context: string): Buffer | undefined {
    if (sealed.length < HEADER_BYTES || sealed[0] !== FORMAT_V1) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(1, 1 + IV_BYTES), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(associatedData(FORMAT_V1, context));
      decipher.setAuthTag(sealed.subarray(1 + IV_BYTES, HEADER_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      return undefined;
    }
  }

  /**
   * The whole entry is sealed, timestamps included: stores may keep the timestamps in clear for
   * expiry housekeeping, but the authenticated copy is the one that decides what a reader gets.
   */
  seal(cacheKey: string, entry: SharedTokenEntry): Buffer {
    const sealed: SealedEntry = { t: entry.accessToken, e: entry.expiresOn, r: entry.refreshOn };
    return this.encrypt(Buffer.from(JSON.stringify(sealed), 'utf8'), cacheKey);
  }

  open(cacheKey: string, sealed: Buffer): SharedTokenEntry | undefined {
    const plaintext = this.decrypt(sealed, cacheKey);
    if (plaintext === undefined) return undefined;
    try {
      const value = JSON.parse(plaintext.toString('utf8')) as Partial<SealedEntry> | null;
      if (typeof value?.t !== 'string' || !Number.isFinite(value.e) || !Number.isFinite(value.r)) return undefined;
      return { accessToken: value.t, expiresOn: value.e as number, refreshOn: value.r as number };
    } catch {
      return undefined;
    }
  }
}

function associatedData(version: number, context: string): Buffer {
  return Buffer.concat([AAD_LABEL, Buffer.of(version), Buffer.from(context, 'utf8')]);
}
