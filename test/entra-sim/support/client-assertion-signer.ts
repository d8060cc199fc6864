import {
  X509Certificate,
  createHash,
  createPrivateKey,
  randomUUID,
  sign,
  constants,
  type KeyObject,
} from 'node:crypto';

export interface AssertionOptions {
  clientId: string;
  /** The token endpoint (msal passes it to the clientAssertion callback). */
  audience: string;
  algorithm?: 'PS256' | 'RS256';
  /** Overrides for negative tests. */
  claims?: Record<string, unknown>;
  jti?: string;
}

/**
 * Signs RFC 7523 client assertions with a certificate's key the way Entra expects: PS256 with
 * `x5t#S256` (or RS256 with `x5t`), iss = sub = client id, aud = token endpoint, a fresh jti
 * each time. This is what msal's `clientAssertion` callback should return per request, since
 * msal's built-in `clientCertificate` reuses one assertion (one jti) for ten minutes.
 */
export class ClientAssertionSigner {
  private readonly key: KeyObject;
  private readonly x5t: string;
  private readonly x5tS256: string;

  constructor(certPem: string, keyPem: string) {
    const certificate = new X509Certificate(certPem);
    this.key = createPrivateKey(keyPem);
    this.x5t = createHash('sha1').update(certificate.raw).digest('base64url');
    this.x5tS256 = createHash('sha256').update(certificate.raw).digest('base64url');
  }

  sign(options: AssertionOptions): string {
    const algorithm = options.algorithm ?? 'PS256';
    const header =
      algorithm === 'PS256'
        ? { alg: 'PS256', typ: 'JWT', 'x5t#S256': this.x5tS256 }
        : { alg: 'RS256', typ: 'JWT', x5t: this.x5t };
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      aud: options.audience,
      iss: options.clientId,
      sub: options.clientId,
      jti: options.jti ?? randomUUID(),
      nbf: now,
      iat: now,
      exp: now + 300,
      ...options.claims,
    };
    const input = `${b64(header)}.${b64(payload)}`;
    const signature =
      algorithm === 'PS256'
        ? sign('sha256', Buffer.from(input), {
            key: this.key,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: 32,
          })
        : sign('sha256', Buffer.from(input), this.key);
    return `${input}.${signature.toString('base64url')}`;
  }
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
