import { createHash } from 'node:crypto';
import { connect } from 'node:tls';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** SHA-256 of the server key a TLS port presents (for Chromium's SPKI allow-list). */
export function serverSpkiHash(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const certificate = socket.getPeerCertificate();
      socket.end();
      if (!certificate.pubkey) return reject(new Error('the server presented no certificate'));
      resolve(createHash('sha256').update(certificate.pubkey).digest('base64'));
    });
    socket.on('error', reject);
  });
}

/**
 * Debian's Chromium, headless, trusting exactly the simulator's server key rather than switching
 * certificate checks off, with the flags this machine's closed network needs.
 */
export async function launchChromium(trustedSimulatorPort: number): Promise<Browser> {
  const spki = await serverSpkiHash(trustedSimulatorPort);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
      `--ignore-certificate-errors-spki-list=${spki}`,
    ],
  });
}
