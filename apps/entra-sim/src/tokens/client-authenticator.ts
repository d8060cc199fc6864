import type { KeyObject } from 'node:crypto';
import type { AppRecord, CertificateRecord } from '../directory/directory-records';
import { aadsts } from '../errors/aadsts';
import { decodeJwt, verifyJws, type DecodedJwt } from './jws';

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Entra accepts assertion times this far off its own clock. */
const CLOCK_SKEW_SECONDS = 300;

export interface ClientCredentialInput {
  clientSecret?: string;
  clientAssertion?: string;
  clientAssertionType?: string;
}

/**
 * Checks the credential of a client-credentials request: a secret, a certificate-signed
 * assertion (RFC 7523, iss = sub = client id, aud = the token endpoint, single-use jti) or a
 * federated assertion from an issuer configured on the app. Throws an AadstsError.
 */
export class ClientAuthenticator {
  /** `clientId|jti` to the assertion's exp (ms); entries past exp are swept. */
  private readonly usedJtis = new Map<string, number>();
  private nextSweep = 0;

  /** Returns Entra's `appidacr`: 1 for a secret, 2 for an assertion. */
  authenticate(
    app: AppRecord,
    input: ClientCredentialInput,
    acceptedAudiences: (audience: string) => boolean,
  ): '1' | '2' {
    if (input.clientSecret !== undefined && input.clientAssertion !== undefined) {
      throw aadsts.missingParameter("only one of 'client_secret' or 'client_assertion'");
    }
    if (input.clientSecret !== undefined) {
      this.checkSecret(app, input.clientSecret);
      return '1';
    }
    if (input.clientAssertion !== undefined) {
      if (input.clientAssertionType !== JWT_BEARER_ASSERTION_TYPE) {
        throw aadsts.badAssertionType(input.clientAssertionType ?? '');
      }
      const decoded = decodeJwt(input.clientAssertion);
      if (typeof decoded === 'string') throw aadsts.malformedAssertion(decoded);
      const { iss, sub } = decoded.payload;
      if (iss === app.clientId && sub === app.clientId) {
        this.checkCertificateAssertion(app, decoded, acceptedAudiences);
      } else if (app.federatedCredentials.length > 0) {
        this.checkFederatedAssertion(app, decoded);
      } else {
        throw aadsts.assertionClientMismatch();
      }
      return '2';
    }
    throw aadsts.noCredential();
  }

  private checkSecret(app: AppRecord, value: string): void {
    const secret = app.secrets.get(value);
    if (!secret) throw aadsts.invalidSecret(app.clientId);
    if (secret.expiresAt !== null && secret.expiresAt <= Date.now()) {
      throw aadsts.expiredSecret(app.clientId, app.displayName);
    }
  }

  private checkCertificateAssertion(
    app: AppRecord,
    jwt: DecodedJwt,
    acceptedAudiences: (audience: string) => boolean,
  ): void {
    const { header, payload } = jwt;
    let certificate: CertificateRecord | undefined;
    // PS256 assertions name the certificate by SHA-256 thumbprint; RS256 may use either.
    if (typeof header['x5t#S256'] === 'string') {
      certificate = app.certificates.find((c) => c.x5tS256 === header['x5t#S256']);
    } else if (header.alg === 'RS256' && typeof header.x5t === 'string') {
      certificate = app.certificates.find((c) => c.x5t === header.x5t);
    } else {
      throw aadsts.badAssertionSignature(
        `A ${String(header.alg)} assertion needs ${header.alg === 'PS256' ? 'x5t#S256' : 'x5t or x5t#S256'} in its header.`,
      );
    }
    if (!certificate) {
      throw aadsts.badAssertionSignature(
        'The certificate with identifier used to sign the client assertion is not registered on application.',
      );
    }
    if (!verifyJws(header.alg, jwt.signingInput, jwt.signature, certificate.publicKey)) {
      throw aadsts.badAssertionSignature('Client assertion contains an invalid signature.');
    }
    const now = Date.now();
    if (now < certificate.notBefore || now > certificate.notAfter) throw aadsts.certificateExpired();
    const audience = payload.aud;
    const audiences = Array.isArray(audience) ? audience : [audience];
    if (!audiences.some((a) => typeof a === 'string' && acceptedAudiences(a))) {
      throw aadsts.assertionAudience(String(audience));
    }
    const expMs = this.checkTimes(payload.exp, payload.nbf);
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti.length === 0) throw aadsts.malformedAssertion("the 'jti' claim is missing");
    this.rememberJti(`${app.clientId}|${jti}`, expMs);
  }

  private checkFederatedAssertion(app: AppRecord, jwt: DecodedJwt): void {
    const { header, payload } = jwt;
    const candidates = app.federatedCredentials.filter((f) => f.issuer === payload.iss);
    if (candidates.length === 0) throw aadsts.federatedIssuer(String(payload.iss));
    const bySubject = candidates.filter((f) => f.subject === payload.sub);
    if (bySubject.length === 0) throw aadsts.federatedSubject(String(payload.sub));
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    const match = bySubject.find((f) => audiences.some((a) => typeof a === 'string' && f.audiences.includes(a)));
    if (!match) throw aadsts.federatedAudience(String(payload.aud));
    const keyById = typeof header.kid === 'string' ? match.keysById.get(header.kid) : undefined;
    const keys: KeyObject[] = keyById ? [keyById] : match.keys;
    if (!keys.some((key) => verifyJws(header.alg, jwt.signingInput, jwt.signature, key))) {
      throw aadsts.badAssertionSignature('The federated assertion signature does not verify with the issuer keys.');
    }
    // Workload-identity tokens are reused for their lifetime, and Entra accepts that: no jti check.
    this.checkTimes(payload.exp, payload.nbf);
  }

  private checkTimes(exp: unknown, nbf: unknown): number {
    const now = Date.now() / 1000;
    if (typeof exp !== 'number' || exp + CLOCK_SKEW_SECONDS < now) throw aadsts.assertionTime();
    if (nbf !== undefined && (typeof nbf !== 'number' || nbf - CLOCK_SKEW_SECONDS > now)) throw aadsts.assertionTime();
    return (exp + CLOCK_SKEW_SECONDS) * 1000;
  }

  private rememberJti(key: string, expiresAtMs: number): void {
    const now = Date.now();
    if (now >= this.nextSweep) {
      for (const [jti, expiry] of this.usedJtis) if (expiry < now) this.usedJtis.delete(jti);
      this.nextSweep = now + 60_000;
    }
    if (this.usedJtis.has(key)) throw aadsts.assertionReplay();
    this.usedJtis.set(key, expiresAtMs);
  }
}
