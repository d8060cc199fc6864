import type { TenantRecord } from '../directory/directory-records';

/**
 * OpenID Connect discovery documents in Entra's shapes. v2.0: issuer
 * `{authority}/{tid}/v2.0`; v1.0: issuer `https://sts.windows.net/{tid}/` (what app-only Graph
 * tokens carry). For `common`/`organizations` the tenant is the `{tenantid}` placeholder, as
 * in Entra's documents.
 */
export class DiscoveryDocuments {
  private readonly cache = new Map<string, string>();

  constructor(private readonly authorityHost: string) {}

  v2(tenant: TenantRecord | string): string {
    const tid = typeof tenant === 'string' ? tenant : tenant.tenantId;
    const cloud = typeof tenant === 'string' ? null : tenant.nationalCloud;
    const key = `v2|${tid}|${cloud ?? ''}`;
    let document = this.cache.get(key);
    if (!document) {
      const base = `${this.authorityHost}/${tid}`;
      const issuerTenant = typeof tenant === 'string' ? '{tenantid}' : tid;
      document = JSON.stringify({
        token_endpoint: `${base}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${base}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `${this.authorityHost}/${issuerTenant}/v2.0`,
        request_uri_parameter_supported: false,
        userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
        authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
        http_logout_supported: true,
        frontchannel_logout_supported: true,
        end_session_endpoint: `${base}/oauth2/v2.0/logout`,
        claims_supported: [
          'sub',
          'iss',
          'cloud_instance_name',
          'cloud_instance_host_name',
          'cloud_graph_host_name',
          'msgraph_host',
          'aud',
          'exp',
          'iat',
          'auth_time',
          'acr',
          'nonce',
          'preferred_username',
          'name',
          'tid',
          'ver',
          'at_hash',
          'c_hash',
          'email',
        ],
        kerberos_endpoint: `${base}/kerberos`,
        tenant_region_scope: typeof tenant === 'string' ? null : 'NA',
        // A national-cloud tenant is discoverable globally; its token requests then fail 90038.
        cloud_instance_name: cloud ?? 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
        rbac_url: 'https://pas.windows.net',
      });
      this.cache.set(key, document);
    }
    return document;
  }

  v1(tenant: TenantRecord | string): string {
    const tid = typeof tenant === 'string' ? tenant : tenant.tenantId;
    const key = `v1|${tid}`;
    let document = this.cache.get(key);
    if (!document) {
      const base = `${this.authorityHost}/${tid}`;
      const issuerTenant = typeof tenant === 'string' ? '{tenantid}' : tid;
      document = JSON.stringify({
        token_endpoint: `${base}/oauth2/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${this.authorityHost}/common/discovery/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'token id_token', 'token'],
        scopes_supported: ['openid'],
        issuer: `https://sts.windows.net/${issuerTenant}/`,
        authorization_endpoint: `${base}/oauth2/authorize`,
        end_session_endpoint: `${base}/oauth2/logout`,
        tenant_region_scope: typeof tenant === 'string' ? null : 'NA',
        cloud_instance_name: 'microsoftonline.com',
        cloud_graph_host_name: 'graph.windows.net',
        msgraph_host: 'graph.microsoft.com',
      });
      this.cache.set(key, document);
    }
    return document;
  }
}
