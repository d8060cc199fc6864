import type { KeyObject } from 'node:crypto';

/** Graph's `user` as the simulator stores it (the subset of properties it serves). */
export interface SimUser {
  id: string;
  displayName: string;
  userPrincipalName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  jobTitle: string | null;
  mobilePhone: string | null;
  officeLocation: string | null;
  preferredLanguage: string | null;
  businessPhones: string[];
  accountEnabled: boolean;
  department: string | null;
  createdDateTime: string;
}

export interface UserRecord {
  user: SimUser;
  /** Directory change sequence of the last write; delta pages select on it. */
  seq: number;
  /** The default-property JSON, built once per change so a Graph page is string joins. */
  json: string;
}

export interface TombstoneRecord {
  seq: number;
  reason: 'changed' | 'deleted';
}

export interface ConsentRecord {
  clientId: string;
  roles: string[];
  servicePrincipalId: string;
  grantedAt: number;
  /** Before this instant the token endpoint still answers 700016 (consent propagation). */
  effectiveAt: number;
}

export interface TenantRecord {
  tenantId: string;
  displayName: string;
  domain: string;
  domains: string[];
  nationalCloud: string | null;
  createdDateTime: string;
  consents: Map<string, ConsentRecord>;
  users: Map<string, UserRecord>;
  /** Users sorted by id, rebuilt lazily after a change; paging walks it with binary search. */
  sortedUsers: UserRecord[] | null;
  tombstones: Map<string, TombstoneRecord>;
  changeSeq: number;
  /** Bumped to make every delta token issued before it unknown (410). */
  deltaEpoch: number;
  /**
   * The tenant's app consent policy: the app roles its admins may grant. An admin consent grants
   * the app's required roles within it (partial consent); null allows all.
   */
  grantableRoles: string[] | null;
}

export interface SecretRecord {
  id: string;
  value: string;
  expiresAt: number | null;
}

export interface CertificateRecord {
  pem: string;
  publicKey: KeyObject;
  x5t: string;
  x5tS256: string;
  notBefore: number;
  notAfter: number;
}

export interface FederatedCredentialRecord {
  name: string;
  issuer: string;
  subject: string;
  audiences: string[];
  keys: KeyObject[];
  keysById: Map<string, KeyObject>;
}

export interface AppRecord {
  clientId: string;
  displayName: string;
  secrets: Map<string, SecretRecord>;
  certificates: CertificateRecord[];
  federatedCredentials: FederatedCredentialRecord[];
  redirectUris: string[];
  requiredRoles: string[];
  disabled: boolean;
}
