import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminConsentPage } from './consent/admin-consent-page';
import { ControlApi } from './control/control-api';
import { buildDemoSeed, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REDIRECT_URIS } from './directory/demo-seed';
import { SimDirectory } from './directory/sim-directory';
import type { SimSeed } from './directory/sim-seed';
import type { EntraSimOptions, RunningEntraSim } from './entra-sim-options';
import { FaultInjector } from './faults/fault-injector';
import { GraphApi } from './graph/graph-api';
import { GraphThrottle } from './graph/graph-throttle';
import { SimServer } from './http/sim-server';
import { RequestCounters } from './metrics/request-counters';
import { SimTlsMaterial } from './tls/sim-tls-material';
import { ClientAuthenticator } from './tokens/client-authenticator';
import { DiscoveryDocuments } from './tokens/discovery-documents';
import { GRAPH_RESOURCE, TokenEndpoint } from './tokens/token-endpoint';
import { TokenIssuer } from './tokens/token-issuer';

/** Starts the simulator on node:https and resolves once it is listening. */
export async function startEntraSim(options: EntraSimOptions = {}): Promise<RunningEntraSim> {
  const host = options.host ?? '127.0.0.1';
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const ownTlsDir = options.tlsDir === undefined;
  const tlsDir = options.tlsDir ?? mkdtempSync(join(tmpdir(), 'entra-sim-'));
  const certificateHosts = [...new Set([urlHost.replace(/^\[|\]$/g, ''), '127.0.0.1', 'localhost', '::1'])];
  const tls = SimTlsMaterial.loadOrCreate(tlsDir, certificateHosts);

  const server = createServer({ key: tls.keyPem, cert: tls.certPem, keepAlive: true });
  // Clients keep connections open (msal's fetch, Graph SDKs); a short idle timeout would make
  // them pay a TLS handshake far more often than against the real service.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const authorityHost = `https://${urlHost}:${port}`;
  const graphBaseUrl = `${authorityHost}/v1.0`;

  const initialSeed = options.seed ?? 'demo';
  const resolveSeed = (seed: SimSeed | 'demo' | 'empty' | undefined): SimSeed => {
    const chosen = seed ?? initialSeed;
    if (chosen === 'demo') return buildDemoSeed();
    if (chosen === 'empty') return {};
    return chosen;
  };
  const directory = new SimDirectory(options.consentPropagationDelayMs ?? 0);
  directory.reset(resolveSeed(initialSeed));

  const issuer = new TokenIssuer(options.tokenLifetimeSeconds ?? 3599, options.tokenReuseSeconds ?? 60, authorityHost);
  const faults = new FaultInjector();
  const counters = new RequestCounters();
  const throttle = new GraphThrottle(options.graphThrottle ?? null);
  const controlKey = options.controlKey ?? randomBytes(24).toString('base64url');
  const simServer = new SimServer({
    authorityHost,
    directory,
    discovery: new DiscoveryDocuments(authorityHost),
    issuer,
    tokenEndpoint: new TokenEndpoint(directory, new ClientAuthenticator(), issuer),
    graph: new GraphApi(directory, issuer, graphBaseUrl),
    consent: new AdminConsentPage(directory),
    control: new ControlApi(controlKey, { directory, faults, counters, throttle, issuer, resolveSeed }),
    faults,
    counters,
    throttle,
  });
  server.on('request', simServer.listener);

  const demoSeed = buildDemoSeed();
  let stopped: Promise<void> | undefined;
  return {
    authorityHost,
    graphBaseUrl,
    knownAuthority: `${urlHost}:${port}`,
    caCertPath: tls.caCertPath,
    caCertPem: tls.caCertPem,
    controlKey,
    port,
    demo: {
      clientId: DEMO_CLIENT_ID,
      clientSecret: DEMO_CLIENT_SECRET,
      tenants: (demoSeed.tenants ?? []).map((t) => ({
        tenantId: t.tenantId,
        displayName: t.displayName,
        domain: t.domain,
        // As the directory has it now (a saved directory may hold consents granted since the seed).
        consented: directory.getConsent(t.tenantId, DEMO_CLIENT_ID) !== undefined,
      })),
      resource: GRAPH_RESOURCE,
      redirectUris: DEMO_REDIRECT_URIS,
    },
    state: directory,
    faults,
    counters,
    throttle,
    reset(seed) {
      directory.reset(resolveSeed(seed));
      faults.clear();
      counters.reset();
      throttle.reset();
      issuer.clearCache();
    },
    stop() {
      simServer.stop();
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => {
        if (ownTlsDir) rmSync(tlsDir, { recursive: true, force: true });
      });
      return stopped;
    },
  };
}
