import { constants, sign, verify, type KeyObject } from 'node:crypto';

export interface JwtHeader {
  alg?: unknown;
  kid?: unknown;
  x5t?: unknown;
  'x5t#S256'?: unknown;
  typ?: unknown;
}

export type JwtPayload = Record<string, unknown>;

export interface DecodedJwt {
  header: JwtHeader;
  payload: JwtPayload;
  signingInput: string;
  signature: Buffer;
}

/** Splits and parses a compact JWS; returns a reason string when it is not one. */
export function decodeJwt(token: string): DecodedJwt | string {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0 || token.indexOf('.', second + 1) >= 0) return 'not a compact JWS';
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8')) as unknown;
    if (!isObject(header) || !isObject(payload)) return 'header or payload is not a JSON object';
    return {
      header: header as JwtHeader,
      payload: payload as JwtPayload,
      signingInput: token.slice(0, second),
      signature: Buffer.from(token.slice(second + 1), 'base64url'),
    };
  } catch {
    return 'header or payload is not base64url JSON';
  }
}

/** Verifies a JWS signature for the algorithms Entra accepts in client assertions. */
export function verifyJws(alg: unknown, signingInput: string, signature: Buffer, key: KeyObject): boolean {
  const data = Buffer.from(signingInput);
  try {
    switch (alg) {
      case 'RS256':
        return verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'PS256':
        // RFC 7518 §3.5: the salt is as long as the hash (32 bytes). AUTO would accept any
        // salt length, which a strict server (and Entra) does not.
        return verify(
          'sha256',
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
          signature,
        );
      case 'ES256':
        return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      default:
        return false;
    }
  } catch {
    return false;
  }
}

/** RS256-signs a JWT whose header and payload are given as JSON text (the caller caches them). */
export function signRs256(headerJson: string, payloadJson: string, key: KeyObject): string {
  const signingInput = `${Buffer.from(headerJson).toString('base64url')}.${Buffer.from(payloadJson).toString('base64url')}`;
  const signature = sign('sha256', Buffer.from(signingInput), key).toString('base64url');
  return `${signingInput}.${signature}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
