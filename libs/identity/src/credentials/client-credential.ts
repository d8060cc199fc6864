import type { ClientAssertionCallback } from '@azure/msal-node';
import { createHash, createPrivateKey, KeyObject, randomUUID, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { sign } from 'jsonwebtoken';
import type { AzureCredential } from '@tenantry/config';

/** The credential part of msal's `auth` configuration. */
export type MsalCredential = { readonly clientSecret: string } | { readonly clientAssertion: ClientAssertionCallback };

const ASSERTION_LIFETIME_SECONDS = 600;

/**
 * Turns the configured credential into what msal needs. Certificates are not handed to msal as
 * `clientCertificate`: msal would reuse one signed assertion (same `jti`) for ten minutes, which
 * strict servers reject as a replay (RFC 7523). Instead every network request gets a freshly
 * signed PS256 assertion. A federated token file is re-read on every use, since it rotates.
 */
export async function msalCredentialOf(
  credential: AzureCredential,
  sendCertificateChain = false,
): Promise<MsalCredential> {
  switch (credential.kind) {
    case 'secret':
      return { clientSecret: credential.secret };
    case 'federated':
      return { clientAssertion: async () => (await readFile(credential.tokenFile, 'utf8')).trim() };
    case 'certificate': {
      const signer = CertificateAssertionSigner.fromPem(await readFile(credential.path, 'utf8'), sendCertificateChain);
      return {
        clientAssertion: async ({ clientId, tokenEndpoint }) => {
          // The assertion's audience must be the token endpoint; msal always says which.
          if (!tokenEndpoint) throw new Error('msal asked for a client assertion without naming the token endpoint');
          return signer.sign(clientId, tokenEndpoint);
        },
      };
    }
  }
}

/** Signs client assertions with a certificate's private key (PS256, `x5t#S256` header). */
export class CertificateAssertionSigner {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly thumbprintSha256: string,
    private readonly chain: string[] | undefined,
  ) {}

  /** From a PEM holding the private key and the certificate (its chain may follow). */
  static fromPem(pem: string, sendCertificateChain: boolean): CertificateAssertionSigner {
    const blocks = [...pem.matchAll(/-----BEGIN ([A-Z ]+)-----[\s\S]+?-----END \1-----/g)];
    const keyBlock = blocks.find((block) => block[1].endsWith('PRIVATE KEY'));
    const certificates = blocks
      .filter((block) => block[1] === 'CERTIFICATE')
      .map((block) => new X509Certificate(block[0]));
    if (!keyBlock)
      throw new Error('The certificate file holds no private key (expected a PEM with key and certificate).');
    if (certificates.length === 0) throw new Error('The certificate file holds no certificate.');
    const privateKey = createPrivateKey(keyBlock[0]);
    if (!certificates[0].checkPrivateKey(privateKey)) {
      throw new Error("The certificate file's private key does not match its first certificate.");
    }
    return new CertificateAssertionSigner(
      privateKey,
      createHash('sha256').update(certificates[0].raw).digest('base64url'),
      sendCertificateChain ? certificates.map((certificate) => certificate.raw.toString('base64')) : undefined,
    );
  }

  sign(clientId: string, audience: string): string {
    const now = Math.floor(Date.now() / 1000);
    return sign(
      {
        aud: audience,
        iss: clientId,
        sub: clientId,
        jti: randomUUID(),
        iat: now,
        nbf: now,
        exp: now + ASSERTION_LIFETIME_SECONDS,
      },
      this.privateKey,
      {
        algorithm: 'PS256',
        header: {
          alg: 'PS256',
          typ: 'JWT',
          'x5t#S256': this.thumbprintSha256,
          ...(this.chain ? { x5c: this.chain } : {}),
        },
      },
    );
  }
}
