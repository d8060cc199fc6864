import type { TenantRecord } from '../directory/directory-records';
import type { SimDirectory } from '../directory/sim-directory';
import { aadsts } from '../errors/aadsts';
import type { ClientAuthenticator } from './client-authenticator';
import type { TokenIssuer } from './token-issuer';

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

const RESOURCES = new Map<string, string>([
  [GRAPH_RESOURCE, GRAPH_RESOURCE],
  [`${GRAPH_RESOURCE}/`, GRAPH_RESOURCE],
  [GRAPH_APP_ID, GRAPH_APP_ID],
]);

const TENANT_ALIASES = new Set(['common', 'organizations', 'consumers']);

export interface TokenRequestContext {
  /** The `{tenant}` path segment as sent. */
  tenantSegment: string;
  form: URLSearchParams;
  authorization: string | undefined;
  /** Origins the client may have addressed the simulator by (assertion `aud`). */
  origins: string[];
}

/**
 * POST /{tenant}/oauth2/v2.0/token for the client credentials grant, checking in Entra's
 * order: request shape, tenant, the app's service principal there, credential, resource.
 */
export class TokenEndpoint {
  constructor(
    private readonly directory: SimDirectory,
    private readonly authenticator: ClientAuthenticator,
    private readonly issuer: TokenIssuer,
  ) {}

  /** Resolves the tenant the way every tenant-scoped endpoint does, or throws Entra's error. */
  resolveTenant(segment: string): TenantRecord {
    if (TENANT_ALIASES.has(segment.toLowerCase())) throw aadsts.noTenant();
    const tenant = this.directory.resolveTenant(segment);
    if (!tenant) throw aadsts.tenantNotFound(segment);
    if (tenant.nationalCloud) throw aadsts.nationalCloud(segment, tenant.nationalCloud);
    return tenant;
  }

  /** Returns the success body as JSON text. */
  handle(context: TokenRequestContext): string {
    const { form } = context;
    let clientId = form.get('client_id') ?? undefined;
    let clientSecret = form.get('client_secret') ?? undefined;
    const basic = parseBasic(context.authorization);
    if (basic) {
      clientId ??= basic.clientId;
      if (clientSecret === undefined) clientSecret = basic.clientSecret;
    }
    const grantType = form.get('grant_type');
    if (!grantType) throw aadsts.missingParameter('grant_type');
    if (grantType !== 'client_credentials') throw aadsts.unsupportedGrant(grantType);
    if (!clientId) throw aadsts.missingParameter('client_id');

    const scope = (form.get('scope') ?? '').trim();
    const scopes = scope.split(/\s+/).filter(Boolean);
    if (scopes.length !== 1 || !scopes[0].endsWith('/.default')) throw aadsts.invalidScope(scope || "''");
    const resourceName = scopes[0].slice(0, -'/.default'.length);

    const tenant = this.resolveTenant(context.tenantSegment);
    const app = this.directory.getApp(clientId);
    const consent = tenant.consents.get(clientId.toLowerCase());
    if (!app || !consent || consent.effectiveAt > Date.now()) {
      throw aadsts.appNotInTenant(clientId, context.tenantSegment);
    }
    if (app.disabled) throw aadsts.appDisabled(app.clientId, app.displayName);

    const appidacr = this.authenticator.authenticate(
      app,
      {
        clientSecret,
        clientAssertion: form.get('client_assertion') ?? undefined,
        clientAssertionType: form.get('client_assertion_type') ?? undefined,
      },
      (audience) => this.isTokenEndpointAudience(audience, tenant, context),
    );

    const audience = RESOURCES.get(resourceName);
    if (!audience) throw aadsts.resourceNotFound(resourceName, tenant.tenantId);

    const token = this.issuer.issue({
      tenantId: tenant.tenantId,
      clientId: app.clientId,
      appDisplayName: app.displayName,
      servicePrincipalId: consent.servicePrincipalId,
      audience,
      roles: consent.roles,
      appidacr,
      revision: this.directory.revision,
    });
    return `{"token_type":"Bearer","expires_in":${token.expiresIn},"ext_expires_in":${token.expiresIn},"access_token":"${token.accessToken}"}`;
  }

  private isTokenEndpointAudience(audience: string, tenant: TenantRecord, context: TokenRequestContext): boolean {
    const wanted = audience.toLowerCase().replace(/\/$/, '');
    const names = [tenant.tenantId, context.tenantSegment, ...tenant.domains];
    for (const origin of context.origins) {
      for (const name of names) {
        const base = `${origin}/${name}`.toLowerCase();
        if (wanted === `${base}/oauth2/v2.0/token` || wanted === `${base}/oauth2/token` || wanted === `${base}/v2.0`) {
          return true;
        }
      }
    }
    return false;
  }
}

function parseBasic(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  if (!header || !header.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
  const unescape = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
  try {
    return { clientId: unescape(decoded.slice(0, colon)), clientSecret: unescape(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}
