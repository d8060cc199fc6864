import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { TokenCipher } from './token-cipher';

describe('TokenCipher', () => {
  const key = randomBytes(32);
  const cipher = new TokenCipher(key);
  const entry = {
    accessToken: 'eyJ0eXAi.secret-token-for-tenant-a',
    expiresOn: 1_900_000_000_000,
    refreshOn: 1_899_999_000_000,
  };
  const cacheKey = 'tenant-a|https://graph.microsoft.com/.default';

  it('round-trips an entry bound to its cache key', () => {
    const sealed = cipher.seal(cacheKey, entry);
    expect(cipher.open(cacheKey, sealed)).toEqual(entry);
  });

  it('never writes the token in clear, and uses a fresh IV each time', () => {
    const first = cipher.seal(cacheKey, entry);
    const second = cipher.seal(cacheKey, entry);
    expect(first.includes(Buffer.from(entry.accessToken))).toBe(false);
    expect(first.toString('latin1')).not.toContain('secret-token');
    expect(first[0]).toBe(1);
    expect(first.equals(second)).toBe(false);
  });

  it('refuses an entry copied under another cache key (AAD swap)', () => {
    const sealed = cipher.seal(cacheKey, entry);
    expect(cipher.open('tenant-b|https://graph.microsoft.com/.default', sealed)).toBeUndefined();
    expect(cipher.decrypt(cipher.encrypt(Buffer.from('x'), 'a'), 'b')).toBeUndefined();
  });

  it('refuses any tampered byte: version, IV, tag or ciphertext', () => {
    const sealed = cipher.seal(cacheKey, entry);
    for (const index of [0, 1, 12, 13, 28, 29, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[index] ^= 0x01;
      expect(cipher.open(cacheKey, tampered)).toBeUndefined();
    }
  });

  it('refuses truncated, empty and unknown-version blobs', () => {
    const sealed = cipher.seal(cacheKey, entry);
    expect(cipher.open(cacheKey, sealed.subarray(0, sealed.length - 1))).toBeUndefined();
    expect(cipher.open(cacheKey, sealed.subarray(0, 20))).toBeUndefined();
    expect(cipher.open(cacheKey, Buffer.alloc(0))).toBeUndefined();
    expect(cipher.open(cacheKey, Buffer.concat([Buffer.of(2), sealed.subarray(1)]))).toBeUndefined();
  });

  it('refuses entries sealed with another key', () => {
    const sealed = cipher.seal(cacheKey, entry);
    expect(new TokenCipher(randomBytes(32)).open(cacheKey, sealed)).toBeUndefined();
  });

  it('refuses well-authenticated plaintext that is not an entry', () => {
    expect(cipher.open(cacheKey, cipher.encrypt(Buffer.from('{"t":1}'), cacheKey))).toBeUndefined();
    expect(cipher.open(cacheKey, cipher.encrypt(Buffer.from('not json'), cacheKey))).toBeUndefined();
    expect(cipher.open(cacheKey, cipher.encrypt(Buffer.from('null'), cacheKey))).toBeUndefined();
  });

  it('accepts only 32-byte keys, and does not show the key when inspected', () => {
    expect(() => new TokenCipher(randomBytes(16))).toThrow('32 bytes');
    expect(inspect(cipher, { depth: 5 })).not.toContain(key.toString('hex'));
    expect(JSON.stringify(cipher)).not.toContain(key.toString('base64'));
  });
});
