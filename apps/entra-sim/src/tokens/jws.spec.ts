import { constants, generateKeyPairSync, sign } from 'node:crypto';
import { verifyJws } from './jws';

describe('verifyJws', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const input = 'eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJ4In0';

  function ps256(saltLength: number): Buffer {
    return sign('sha256', Buffer.from(input), {
      key: privateKey,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength,
    });
  }

  it('accepts PS256 with the salt length RFC 7518 §3.5 requires (the hash length, 32), as jwa signs it', () => {
    expect(verifyJws('PS256', input, ps256(32), publicKey)).toBe(true);
    expect(verifyJws('PS256', input, ps256(constants.RSA_PSS_SALTLEN_DIGEST), publicKey)).toBe(true);
  });

  it('rejects PS256 with any other salt length, as a strict server does', () => {
    for (const saltLength of [0, 20, 64, constants.RSA_PSS_SALTLEN_MAX_SIGN]) {
      expect(verifyJws('PS256', input, ps256(saltLength), publicKey)).toBe(false);
    }
  });

  it('rejects a PS256 signature over other input and an unknown algorithm', () => {
    expect(verifyJws('PS256', `${input}x`, ps256(32), publicKey)).toBe(false);
    expect(verifyJws('PS512', input, ps256(32), publicKey)).toBe(false);
  });
});
