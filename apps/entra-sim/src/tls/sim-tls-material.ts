import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certificateCovers, createCertificate, type CertificateWithKey } from './certificate-factory';

export interface SimTlsFiles {
  caCertPath: string;
  caCertPem: string;
  certPem: string;
  keyPem: string;
}

const CA_CERT = 'ca.pem';
const CA_KEY = 'ca-key.pem';
const SERVER_CERT = 'server.pem';
const SERVER_KEY = 'server-key.pem';

/**
 * The simulator's CA and server certificate in `dir`. Existing files are reused, so a CA a
 * developer trusted once (NODE_EXTRA_CA_CERTS, a browser) stays trusted across restarts; the
 * server certificate is reissued from that CA when it no longer covers the hosts or expires.
 */
export class SimTlsMaterial {
  static loadOrCreate(dir: string, hosts: string[]): SimTlsFiles {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const caCertPath = join(dir, CA_CERT);
    let ca: CertificateWithKey;
    if (existsSync(caCertPath) && existsSync(join(dir, CA_KEY))) {
      ca = { certPem: readFileSync(caCertPath, 'utf8'), keyPem: readFileSync(join(dir, CA_KEY), 'utf8') };
    } else {
      ca = createCertificate({
        commonName: 'Tenantry entra-sim local CA',
        usage: 'ca',
        notAfter: new Date(Date.now() + 5 * 365 * 86_400_000),
      });
      writeFileSync(join(dir, CA_KEY), ca.keyPem, { mode: 0o600 });
      writeFileSync(caCertPath, ca.certPem);
      // A new CA invalidates any server certificate lying around from an older one.
      writeFileSync(join(dir, SERVER_CERT), '');
    }

    const serverCertPath = join(dir, SERVER_CERT);
    const serverKeyPath = join(dir, SERVER_KEY);
    let server: CertificateWithKey | undefined;
    if (existsSync(serverCertPath) && existsSync(serverKeyPath)) {
      const certPem = readFileSync(serverCertPath, 'utf8');
      if (certificateCovers(certPem, hosts)) server = { certPem, keyPem: readFileSync(serverKeyPath, 'utf8') };
    }
    if (!server) {
      server = createCertificate({ commonName: hosts[0], hosts, usage: 'serverAuth', issuer: ca });
      writeFileSync(serverKeyPath, server.keyPem, { mode: 0o600 });
      writeFileSync(serverCertPath, server.certPem);
    }
    return { caCertPath, caCertPem: ca.certPem, certPem: server.certPem, keyPem: server.keyPem };
  }
}
