import { X509Certificate, createHash, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { createCertificate } from '../tls/certificate-factory';
import { decodeJwt, signRs256, verifyJws } from './jws';

export interface AccessTokenRequest {
  tenantId: string;
  clientId: string;
  appDisplayName: string;
  servicePrincipalId: string;
  /** The token's `aud`: the resource as the client named it in the scope. */
  audience: string;
  roles: string[];
  /** `1` client secret, `2` certificate or federated assertion, as Entra sets `appidacr`. */
  appidacr: '1' | '2';
  /** Directory revision the grant was read at; a change makes cached tokens unusable. */
  revision: number;
}

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
}

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  roles?: string[];
  oid: string;
  iat: number;
  nbf: number;
  exp: number;
  [claim: string]: unknown;
}

interface CachedToken {
  accessToken: string;
  iat: number;
  exp: number;
  revision: number;
}

const VERIFIED_CACHE_LIMIT = 20_000;

/**
 * Signs Entra-shaped v1.0 app-only access tokens (what Graph receives) with one RS256 key
 * published in the JWKS, and verifies them for the Graph endpoints.
 *
 * Signing costs about 0.3 ms of CPU, most of a token request. Entra itself hands back the
 * same cached token for repeated client-credentials requests, so within `reuseSeconds` of
 * issuing, an identical request gets the same token (with a smaller `expires_in`).
 */
export class TokenIssuer {
  readonly kid: string;
  private readonly reuseSeconds: number;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly headerJson: string;
  private readonly jwksJson: string;
  private readonly issued = new Map<string, CachedToken>();
  private readonly verified = new Map<string, AccessTokenClaims>();

  constructor(
    private readonly lifetimeSeconds: number,
    reuseSeconds: number,
    authorityHost: string,
  ) {
    // Short test lifetimes must still see nearly fresh tokens, so reuse is capped at 10 % of it.
    this.reuseSeconds = Math.min(reuseSeconds, Math.floor(lifetimeSeconds / 10));
    // Entra publishes a certificate (x5c) with each key and uses its thumbprint as kid.
    const signing = createCertificate({ commonName: 'entra-sim token signing', usage: 'clientAuth' });
    const certificate = new X509Certificate(signing.certPem);
    this.privateKey = createPrivateKey(signing.keyPem);
    this.publicKey = certificate.publicKey;
    this.kid = createHash('sha1').update(certificate.raw).digest('base64url');
    this.headerJson = JSON.stringify({ typ: 'JWT', alg: 'RS256', x5t: this.kid, kid: this.kid });
    const jwk = this.publicKey.export({ format: 'jwk' });
    this.jwksJson = JSON.stringify({
      keys: [
        {
          kty: 'RSA',
          use: 'sig',
          kid: this.kid,
          x5t: this.kid,
          n: jwk.n,
          e: jwk.e,
          x5c: [certificate.raw.toString('base64')],
          issuer: `${authorityHost}/{tenantid}/v2.0`,
        },
      ],
    });
  }

  /** The JWKS document (`{keys: [...]}`) as JSON text. */
  jwks(): string {
    return this.jwksJson;
  }

  issue(request: AccessTokenRequest): IssuedToken {
    const now = Math.floor(Date.now() / 1000);
    const cacheKey = `${request.clientId}|${request.tenantId}|${request.audience}|${request.appidacr}`;
    const cached = this.issued.get(cacheKey);
    if (cached && cached.revision === request.revision && now - cached.iat < this.reuseSeconds && cached.exp > now) {
      return { accessToken: cached.accessToken, expiresIn: cached.exp - now };
    }
    const issuer = `https://sts.windows.net/${request.tenantId}/`;
    const exp = now + this.lifetimeSeconds;
    const claims: Record<string, unknown> = {
      aud: request.audience,
      iss: issuer,
      iat: now,
      nbf: now,
      exp,
      aio: randomBytes(24).toString('base64url'),
      app_displayname: request.appDisplayName,
      appid: request.clientId,
      appidacr: request.appidacr,
      idp: issuer,
      idtyp: 'app',
      oid: request.servicePrincipalId,
      rh: `0.sim.${request.tenantId}.`,
      ...(request.roles.length ? { roles: request.roles } : {}),
      sub: request.servicePrincipalId,
      tenant_region_scope: 'NA',
      tid: request.tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
      xms_tcdt: 1_600_000_000,
    };
    const accessToken = signRs256(this.headerJson, JSON.stringify(claims), this.privateKey);
    if (this.reuseSeconds > 0) {
      if (this.issued.size > 50_000) this.issued.clear();
      this.issued.set(cacheKey, { accessToken, iat: now, exp, revision: request.revision });
    }
    return { accessToken, expiresIn: this.lifetimeSeconds };
  }

  /**
   * The claims of a token this simulator signed, or a reason it is not acceptable. Valid
   * tokens are remembered, so a Graph page does not pay an RSA verification each time.
   */
  verify(token: string): AccessTokenClaims | 'invalid' | 'expired' {
    const now = Math.floor(Date.now() / 1000);
    let claims = this.verified.get(token);
    if (!claims) {
      const decoded = decodeJwt(token);
      if (typeof decoded === 'string' || decoded.header.kid !== this.kid) return 'invalid';
      if (!verifyJws(decoded.header.alg, decoded.signingInput, decoded.signature, this.publicKey)) return 'invalid';
      claims = decoded.payload as AccessTokenClaims;
      if (this.verified.size >= VERIFIED_CACHE_LIMIT) this.verified.clear();
      this.verified.set(token, claims);
    }
    // No grace after exp (Graph allows some skew): tests of expiry should not wait minutes.
    if (claims.exp <= now || claims.nbf - 300 > now) return 'expired';
    return claims;
  }

  /** Forgets reusable tokens, so the next request signs a fresh one (reset, tests). */
  clearCache(): void {
    this.issued.clear();
  }
}
