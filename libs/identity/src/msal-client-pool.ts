import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import { LRUCache } from 'lru-cache';
import type { IdentityPlatform } from '@tenantry/config';
import type { MsalCredential } from './credentials/client-credential';
import { IdentityHttpClient } from './identity-http-client';

/**
 * One msal confidential client per tenant authority, kept in a bounded LRU. Tenantry keeps its own
 * token cache in front, so msal's (which scans every cached token on each lookup) only ever holds
 * one tenant's tokens here. A client that saw a 429 or 5xx is dropped: msal would refuse identical
 * requests locally until Retry-After passes, and our retry policy decides that, not msal.
 */
export class MsalClientPool {
  private readonly clients: LRUCache<string, ConfidentialClientApplication>;
  private active = 0;

  constructor(
    private readonly platform: IdentityPlatform,
    /** The primary credential, then the secondary one if configured. */
    private readonly credentials: readonly MsalCredential[],
    private readonly http: IdentityHttpClient,
    maxClients = 1000,
  ) {
    this.clients = new LRUCache({ max: maxClients });
  }

  /** Which credential new clients use: 0 the primary, 1 the secondary. */
  get activeCredential(): number {
    return this.active;
  }

  close(): void {
    this.clients.clear();
    this.http.close();
  }

  /**
   * Switches to the secondary credential, once, after the identity platform rejected the primary
   * itself (an expired or revoked secret during rotation). False when there is nothing to switch to.
   */
  failOver(): boolean {
    if (this.active + 1 >= this.credentials.length) return false;
    this.active += 1;
    this.clients.clear();
    return true;
  }

  clientFor(tenantId: string): ConfidentialClientApplication {
    let client = this.clients.get(tenantId);
    if (!client) {
      client = this.create(tenantId);
      this.clients.set(tenantId, client);
    }
    return client;
  }

  discard(tenantId: string): void {
    this.clients.delete(tenantId);
  }

  private create(tenantId: string): ConfidentialClientApplication {
    const authority = `${this.platform.authorityHost}/${tenantId}`;
    return new ConfidentialClientApplication({
      auth: {
        clientId: this.platform.clientId,
        authority,
        ...this.credentials[this.active],
        knownAuthorities: [...this.platform.knownAuthorities],
        // Supplying the tenant's endpoints spares a discovery request per tenant and lets an
        // unknown tenant fail at the token endpoint with its AADSTS code (90002), not as msal's
        // opaque endpoints_resolution_error.
        authorityMetadata: JSON.stringify({
          token_endpoint: `${authority}/oauth2/v2.0/token`,
          authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
          issuer: `${authority}/v2.0`,
          jwks_uri: `${authority}/discovery/v2.0/keys`,
        }),
      },
      system: {
        networkClient: this.http,
        loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => undefined },
      },
    });
  }
}
