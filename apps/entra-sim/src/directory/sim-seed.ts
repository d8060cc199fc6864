import type { JsonWebKey } from 'node:crypto';

/**
 * The JSON shape the simulator is seeded from (a file, the control API or in-process). Every
 * field not marked required has a documented default, so a seed can stay short.
 */
export interface SimSeed {
  apps?: SimAppSeed[];
  tenants?: SimTenantSeed[];
}

export interface SimSecretSeed {
  /** The secret value a client sends. */
  value: string;
  /** Shown in logs instead of the value; Entra calls it the secret id (keyId). */
  id?: string;
  /** ISO date; once past, the secret fails with AADSTS7000222 instead of 7000215. */
  expiresAt?: string;
}

export interface SimCertificateSeed {
  /** PEM of the public certificate (the key stays with the client). */
  pem: string;
}

export interface SimFederatedCredentialSeed {
  name?: string;
  /** The assertion's `iss`, matched exactly. */
  issuer: string;
  /** The assertion's `sub`, matched exactly. */
  subject: string;
  /** Accepted `aud` values; default `['api://AzureADTokenExchange']`. */
  audiences?: string[];
  /**
   * The issuer's signing keys. Entra fetches them from the issuer's discovery document; the
   * simulator cannot reach arbitrary issuers, so they are seeded (JWKs or PEM public keys).
   */
  jwks?: JsonWebKey[];
  publicKeysPem?: string[];
}

export interface SimAppSeed {
  clientId: string;
  displayName?: string;
  secrets?: SimSecretSeed[];
  certificates?: SimCertificateSeed[];
  federatedCredentials?: SimFederatedCredentialSeed[];
  /**
   * Exact redirect URIs. As in Entra, an `http://localhost` or `http://127.0.0.1` URI matches
   * any port.
   */
  redirectUris?: string[];
  /** Microsoft Graph application permissions (app roles) the app asks for in admin consent. */
  requiredRoles?: string[];
  disabled?: boolean;
}

export interface SimConsentSeed {
  clientId: string;
  /** Granted Graph app roles; default: the app's required roles. */
  roles?: string[];
}

export interface SimUserSeed {
  id?: string;
  displayName: string;
  userPrincipalName?: string;
  givenName?: string | null;
  surname?: string | null;
  mail?: string | null;
  jobTitle?: string | null;
  mobilePhone?: string | null;
  officeLocation?: string | null;
  preferredLanguage?: string | null;
  businessPhones?: string[];
  accountEnabled?: boolean;
  department?: string | null;
}

export interface SimTenantSeed {
  tenantId: string;
  displayName: string;
  /** The default verified domain, e.g. `contoso.onmicrosoft.com`. */
  domain: string;
  /** Further verified domains; any of them resolves the tenant like its GUID. */
  otherDomains?: string[];
  /**
   * The tenant lives in a national cloud (e.g. `microsoftonline.us`): the global authority
   * answers AADSTS90038 for it, as Entra does.
   */
  nationalCloud?: string | null;
  /** Apps with a service principal in this tenant, and the app roles granted to them. */
  consents?: SimConsentSeed[];
  users?: SimUserSeed[];
}
