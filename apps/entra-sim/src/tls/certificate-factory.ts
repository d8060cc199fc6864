import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

export interface CertificateWithKey {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
}

export interface CertificateRequest {
  commonName: string;
  /** Subject alternative names: DNS names and IP addresses (server certificates). */
  hosts?: string[];
  notBefore?: Date;
  notAfter?: Date;
  isCa?: boolean;
  /** `serverAuth` for the TLS server, `clientAuth` for app credentials. */
  usage?: 'serverAuth' | 'clientAuth' | 'ca';
  /** Signs with this CA; self-signed when absent. */
  issuer?: CertificateWithKey;
}

const DAY_MS = 86_400_000;

/**
 * X.509 certificates for the simulator's CA, its TLS server and test clients. Node can make
 * keys but not certificates, so keys come from node:crypto (fast, native) and node-forge only
 * assembles and signs the certificate.
 */
export function createCertificate(request: CertificateRequest): CertificateWithKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);

  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // A positive serial: the top bit cleared keeps it from reading as negative in DER.
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  const now = Date.now();
  cert.validity.notBefore = request.notBefore ?? new Date(now - DAY_MS);
  cert.validity.notAfter = request.notAfter ?? new Date(now + 365 * DAY_MS);
  const subject = [
    { name: 'commonName', value: request.commonName },
    { name: 'organizationName', value: 'Tenantry entra-sim' },
  ];
  cert.setSubject(subject);

  let signingKey = forgeKey;
  if (request.issuer) {
    const issuerCert = forge.pki.certificateFromPem(request.issuer.certPem);
    cert.setIssuer(issuerCert.subject.attributes);
    signingKey = forge.pki.privateKeyFromPem(request.issuer.keyPem);
  } else {
    cert.setIssuer(subject);
  }

  const usage = request.usage ?? (request.isCa ? 'ca' : 'clientAuth');
  const extensions: object[] = [
    { name: 'basicConstraints', cA: usage === 'ca', critical: usage === 'ca' },
    { name: 'subjectKeyIdentifier' },
  ];
  if (usage === 'ca') {
    extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  } else {
    extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
    extensions.push({ name: 'extKeyUsage', serverAuth: usage === 'serverAuth', clientAuth: usage === 'clientAuth' });
  }
  if (request.hosts?.length) {
    extensions.push({
      name: 'subjectAltName',
      altNames: request.hosts.map((host) => (isIP(host) ? { type: 7, ip: host } : { type: 2, value: host })),
    });
  }
  cert.setExtensions(extensions);
  cert.sign(signingKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

/** True when the PEM certificate is valid now (with a day to spare) and covers every host. */
export function certificateCovers(certPem: string, hosts: string[]): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (Date.parse(cert.validTo) < Date.now() + DAY_MS) return false;
    return hosts.every((host) => (isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined));
  } catch {
    return false;
  }
}
