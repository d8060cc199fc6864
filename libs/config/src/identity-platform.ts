import { Inject } from '@nestjs/common';
import type { AppConfig, AzureCredential } from './app-config';

/**
 * The identity platform the token service and Graph client talk to: Entra ID as configured, or
 * the simulator an entry point started in simulator mode. Code below the entry points sees only
 * this, never which of the two it is.
 */
export interface IdentityPlatform {
  readonly clientId: string;
  readonly credential: AzureCredential;
  /** Tried once when the identity platform rejects `credential` itself (rotation without downtime). */
  readonly secondaryCredential?: AzureCredential;
  /** e.g. `https://login.microsoftonline.com`; a tenant's authority is `${authorityHost}/${tenantId}`. */
  readonly authorityHost: string;
  /** Graph root including the version, e.g. `https://graph.microsoft.com/v1.0`. */
  readonly graphBaseUrl: string;
  /** The resource of the `.default` scope tokens are requested for. */
  readonly resource: string;
  /** Hosts (`host:port`) msal must trust as authorities without instance discovery. */
  readonly knownAuthorities: readonly string[];
  /** Extra CA certificates (PEM) to trust beside the system's, if any. */
  readonly extraCaPem: string | undefined;
  /** App roles a tenant's admin must grant (the token's `roles`) before the tenant goes live. */
  readonly requiredAppRoles: readonly string[];
}

export const IDENTITY_PLATFORM = Symbol('IDENTITY_PLATFORM');

export const InjectIdentityPlatform = (): ParameterDecorator => Inject(IDENTITY_PLATFORM);

const MICROSOFT_AUTHORITY_HOSTS = [
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.partner.microsoftonline.cn',
];
const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** National clouds' Graph hosts: each is its own token resource. Any other host (a proxy, the simulator) fronts global Graph. */
const SOVEREIGN_GRAPH_HOSTS = ['graph.microsoft.us', 'dod-graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn'];

/** The identity platform of an `entra`-mode configuration. */
export function identityPlatformOf(config: AppConfig): IdentityPlatform {
  if (config.azure.mode !== 'entra') {
    throw new Error('Simulator mode: the entry point must start the simulator and describe it');
  }
  const authority = new URL(config.azure.authorityHost);
  const graph = new URL(config.azure.graphBaseUrl);
  return {
    clientId: config.azure.clientId,
    credential: config.azure.credential,
    secondaryCredential: config.azure.secondaryCredential,
    authorityHost: config.azure.authorityHost,
    graphBaseUrl: /\/(v1\.0|beta)$/.test(graph.pathname)
      ? config.azure.graphBaseUrl
      : `${config.azure.graphBaseUrl}/v1.0`,
    resource: SOVEREIGN_GRAPH_HOSTS.includes(graph.hostname) ? graph.origin : GRAPH_RESOURCE,
    knownAuthorities: MICROSOFT_AUTHORITY_HOSTS.includes(authority.hostname) ? [] : [authority.host],
    extraCaPem: undefined,
    requiredAppRoles: config.azure.requiredAppRoles,
  };
}
