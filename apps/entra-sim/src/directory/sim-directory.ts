import { X509Certificate, createHash, createPublicKey, randomInt, randomUUID, type KeyObject } from 'node:crypto';
import { deterministicGuid } from './deterministic-id';
import { SimDirectoryError } from './sim-directory.error';
import type {
  AppRecord,
  CertificateRecord,
  ConsentRecord,
  FederatedCredentialRecord,
  SimUser,
  TenantRecord,
  UserRecord,
} from './directory-records';
import type {
  SimAppSeed,
  SimCertificateSeed,
  SimFederatedCredentialSeed,
  SimSecretSeed,
  SimSeed,
  SimTenantSeed,
  SimUserSeed,
} from './sim-seed';

export const TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

/** Graph's default `user` properties in v1.0, in the order Graph serialises them. */
export const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
] as const;

export const SELECTABLE_USER_PROPERTIES: ReadonlySet<string> = new Set([
  ...DEFAULT_USER_PROPERTIES,
  'accountEnabled',
  'department',
  'createdDateTime',
]);

export interface GrantConsentOptions {
  /** Overrides the simulator-wide consent propagation delay for this grant. */
  propagationDelayMs?: number;
}

export interface DeleteUserOptions {
  /** Hard delete: delta reports `@removed: {reason: 'deleted'}` instead of `'changed'`. */
  permanent?: boolean;
}

/**
 * The simulated directory: app registrations, tenants, consent and users. Everything the
 * control API can do is a method here, so in-process tests and the HTTP API share one path.
 */
export class SimDirectory {
  private readonly apps = new Map<string, AppRecord>();
  private readonly tenants = new Map<string, TenantRecord>();
  /** Lower-cased GUIDs and verified domains to tenants. */
  private readonly tenantIndex = new Map<string, TenantRecord>();
  /**
   * Increments on every change that can alter a token (apps, credentials, consent, tenants);
   * the token issuer keys its reuse cache on it.
   */
  revision = 0;

  constructor(private consentPropagationDelayMs = 0) {}

  setConsentPropagationDelay(ms: number): void {
    this.consentPropagationDelayMs = Math.max(0, ms);
  }

  getConsentPropagationDelay(): number {
    return this.consentPropagationDelayMs;
  }

  /** Adds or replaces what the seed names; leaves everything else as it is. */
  seed(seed: SimSeed): void {
    for (const app of seed.apps ?? []) this.upsertApp(app);
    for (const tenant of seed.tenants ?? []) this.upsertTenant(tenant);
  }

  /** Empties the directory, then applies `seed` if given. */
  reset(seed?: SimSeed): void {
    this.apps.clear();
    this.tenants.clear();
    this.tenantIndex.clear();
    this.revision++;
    if (seed) this.seed(seed);
  }

  // ---- apps ---------------------------------------------------------------------------------

  upsertApp(seed: SimAppSeed): AppRecord {
    if (!seed.clientId) throw new SimDirectoryError('invalid', 'app needs a clientId');
    const clientId = seed.clientId.toLowerCase();
    const record: AppRecord = {
      clientId,
      displayName: seed.displayName ?? 'Simulated app',
      secrets: new Map(),
      certificates: [],
      federatedCredentials: [],
      redirectUris: [...(seed.redirectUris ?? [])],
      requiredRoles: [...(seed.requiredRoles ?? [])],
      disabled: seed.disabled ?? false,
    };
    this.apps.set(clientId, record);
    for (const secret of seed.secrets ?? []) this.addSecret(clientId, secret);
    for (const certificate of seed.certificates ?? []) this.addCertificate(clientId, certificate);
    for (const federated of seed.federatedCredentials ?? []) this.addFederatedCredential(clientId, federated);
    this.revision++;
    return record;
  }

  getApp(clientId: string): AppRecord | undefined {
    return this.apps.get(clientId.toLowerCase());
  }

  listApps(): AppRecord[] {
    return [...this.apps.values()];
  }

  removeApp(clientId: string): void {
    this.requireApp(clientId);
    this.apps.delete(clientId.toLowerCase());
    this.revision++;
  }

  setAppDisabled(clientId: string, disabled: boolean): void {
    this.requireApp(clientId).disabled = disabled;
    this.revision++;
  }

  addSecret(clientId: string, secret: SimSecretSeed): void {
    const app = this.requireApp(clientId);
    const expiresAt = secret.expiresAt ? Date.parse(secret.expiresAt) : null;
    if (expiresAt !== null && Number.isNaN(expiresAt)) {
      throw new SimDirectoryError('invalid', `secret expiresAt is not a date: ${secret.expiresAt}`);
    }
    app.secrets.set(secret.value, { id: secret.id ?? randomUUID(), value: secret.value, expiresAt });
    this.revision++;
  }

  removeSecrets(clientId: string): void {
    this.requireApp(clientId).secrets.clear();
    this.revision++;
  }

  addCertificate(clientId: string, certificate: SimCertificateSeed): CertificateRecord {
    const app = this.requireApp(clientId);
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(certificate.pem);
    } catch (error) {
      throw new SimDirectoryError('invalid', `certificate is not a PEM X.509 certificate: ${String(error)}`);
    }
    const record: CertificateRecord = {
      pem: certificate.pem,
      publicKey: x509.publicKey,
      x5t: createHash('sha1').update(x509.raw).digest('base64url'),
      x5tS256: createHash('sha256').update(x509.raw).digest('base64url'),
      notBefore: Date.parse(x509.validFrom),
      notAfter: Date.parse(x509.validTo),
    };
    app.certificates = app.certificates.filter((c) => c.x5tS256 !== record.x5tS256).concat(record);
    this.revision++;
    return record;
  }

  removeCertificates(clientId: string): void {
    this.requireApp(clientId).certificates = [];
    this.revision++;
  }

  addFederatedCredential(clientId: string, seed: SimFederatedCredentialSeed): void {
    const app = this.requireApp(clientId);
    const keys: KeyObject[] = [];
    const keysById = new Map<string, KeyObject>();
    for (const jwk of seed.jwks ?? []) {
      const key = createPublicKey({ key: jwk, format: 'jwk' });
      keys.push(key);
      const kid = (jwk as { kid?: unknown }).kid;
      if (typeof kid === 'string') keysById.set(kid, key);
    }
    for (const pem of seed.publicKeysPem ?? []) keys.push(createPublicKey(pem));
    if (keys.length === 0) {
      throw new SimDirectoryError('invalid', 'a federated credential needs jwks or publicKeysPem');
    }
    const record: FederatedCredentialRecord = {
      name: seed.name ?? `fic-${app.federatedCredentials.length + 1}`,
      issuer: seed.issuer,
      subject: seed.subject,
      audiences: seed.audiences ?? [TOKEN_EXCHANGE_AUDIENCE],
      keys,
      keysById,
    };
    app.federatedCredentials.push(record);
    this.revision++;
  }

  // ---- tenants ------------------------------------------------------------------------------

  upsertTenant(seed: SimTenantSeed): TenantRecord {
    if (!seed.tenantId || !seed.domain) {
      throw new SimDirectoryError('invalid', 'tenant needs tenantId and domain');
    }
    const tenantId = seed.tenantId.toLowerCase();
    const existing = this.tenants.get(tenantId);
    if (existing) this.unindexTenant(existing);
    const tenant: TenantRecord = existing ?? {
      tenantId,
      displayName: seed.displayName,
      domain: seed.domain,
      domains: [],
      nationalCloud: null,
      createdDateTime: new Date().toISOString(),
      consents: new Map(),
      users: new Map(),
      sortedUsers: null,
      tombstones: new Map(),
      changeSeq: 0,
      // Random, so that delta and paging tokens of another simulator (one that ran before a
      // restart) are refused as expired rather than read against this directory.
      deltaEpoch: randomInt(2 ** 31),
      grantableRoles: null,
    };
    tenant.displayName = seed.displayName ?? tenant.displayName;
    tenant.domain = seed.domain;
    tenant.domains = [seed.domain, ...(seed.otherDomains ?? [])];
    tenant.nationalCloud = seed.nationalCloud ?? null;
    this.tenants.set(tenantId, tenant);
    this.tenantIndex.set(tenantId, tenant);
    for (const domain of tenant.domains) this.tenantIndex.set(domain.toLowerCase(), tenant);
    if (seed.consents) {
      tenant.consents.clear();
      for (const consent of seed.consents) {
        // Seeded consent is already propagated: it describes a directory as it already is.
        this.grantConsent(tenantId, consent.clientId, consent.roles, { propagationDelayMs: 0 });
      }
    }
    for (const user of seed.users ?? []) this.upsertUser(tenantId, user);
    this.revision++;
    return tenant;
  }

  removeTenant(tenantId: string): void {
    const tenant = this.requireTenant(tenantId);
    this.unindexTenant(tenant);
    this.tenants.delete(tenant.tenantId);
    this.revision++;
  }

  /** Resolves a tenant GUID or any verified domain, case-insensitively. */
  resolveTenant(idOrDomain: string): TenantRecord | undefined {
    return this.tenantIndex.get(idOrDomain) ?? this.tenantIndex.get(idOrDomain.toLowerCase());
  }

  getTenant(tenantId: string): TenantRecord | undefined {
    return this.resolveTenant(tenantId);
  }

  listTenants(): TenantRecord[] {
    return [...this.tenants.values()];
  }

  // ---- consent ------------------------------------------------------------------------------

  /** Creates the app's service principal in the tenant (admin consent) with these app roles. */
  grantConsent(tenantId: string, clientId: string, roles?: string[], options: GrantConsentOptions = {}): ConsentRecord {
    const tenant = this.requireTenant(tenantId);
    const app = this.requireApp(clientId);
    const now = Date.now();
    const delay = options.propagationDelayMs ?? this.consentPropagationDelayMs;
    const consent: ConsentRecord = {
      clientId: app.clientId,
      roles: [...new Set(roles ?? app.requiredRoles)].sort(),
      servicePrincipalId: deterministicGuid(`sp:${tenant.tenantId}:${app.clientId}`),
      grantedAt: now,
      effectiveAt: now + delay,
    };
    tenant.consents.set(app.clientId, consent);
    this.revision++;
    return consent;
  }

  /** Sets the tenant's app consent policy: which app roles its admins may grant (null: all). */
  setGrantableRoles(tenantId: string, roles: string[] | null): void {
    this.requireTenant(tenantId).grantableRoles = roles === null ? null : [...new Set(roles)].sort();
    this.revision++;
  }

  /** What an admin of this tenant grants when consenting to the app: its roles, within policy. */
  rolesGrantedByAdmin(tenantId: string, clientId: string): string[] {
    const tenant = this.requireTenant(tenantId);
    const app = this.requireApp(clientId);
    const allowed = tenant.grantableRoles;
    return allowed === null ? [...app.requiredRoles] : app.requiredRoles.filter((role) => allowed.includes(role));
  }

  /** Removes the service principal (and so every granted role) from the tenant. */
  revokeConsent(tenantId: string, clientId: string): void {
    const tenant = this.requireTenant(tenantId);
    tenant.consents.delete(clientId.toLowerCase());
    this.revision++;
  }

  getConsent(tenantId: string, clientId: string): ConsentRecord | undefined {
    return this.resolveTenant(tenantId)?.consents.get(clientId.toLowerCase());
  }

  // ---- users --------------------------------------------------------------------------------

  /** Creates or replaces a user; delta reports it as changed. */
  upsertUser(tenantId: string, seed: SimUserSeed): SimUser {
    const tenant = this.requireTenant(tenantId);
    const id = (seed.id ?? randomUUID()).toLowerCase();
    const previous = tenant.users.get(id);
    const nickname = seed.displayName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '.')
      .replace(/^\.|\.$/g, '');
    const userPrincipalName = seed.userPrincipalName ?? `${nickname || id}@${tenant.domain}`;
    const user: SimUser = {
      id,
      displayName: seed.displayName,
      userPrincipalName,
      givenName: seed.givenName ?? null,
      surname: seed.surname ?? null,
      mail: seed.mail === undefined ? userPrincipalName : seed.mail,
      jobTitle: seed.jobTitle ?? null,
      mobilePhone: seed.mobilePhone ?? null,
      officeLocation: seed.officeLocation ?? null,
      preferredLanguage: seed.preferredLanguage ?? null,
      businessPhones: seed.businessPhones ?? [],
      accountEnabled: seed.accountEnabled ?? true,
      department: seed.department ?? null,
      createdDateTime: previous?.user.createdDateTime ?? new Date().toISOString(),
    };
    this.writeUser(tenant, user, previous === undefined);
    return user;
  }

  /** Changes some properties of an existing user; delta reports it as changed. */
  updateUser(tenantId: string, userId: string, patch: Partial<Omit<SimUser, 'id'>>): SimUser {
    const tenant = this.requireTenant(tenantId);
    const previous = tenant.users.get(userId.toLowerCase());
    if (!previous) throw new SimDirectoryError('not_found', `user ${userId} not found in ${tenantId}`);
    const user: SimUser = { ...previous.user, ...patch, id: previous.user.id };
    this.writeUser(tenant, user, false);
    return user;
  }

  deleteUser(tenantId: string, userId: string, options: DeleteUserOptions = {}): void {
    const tenant = this.requireTenant(tenantId);
    const id = userId.toLowerCase();
    if (!tenant.users.delete(id)) throw new SimDirectoryError('not_found', `user ${userId} not found in ${tenantId}`);
    tenant.sortedUsers = null;
    tenant.tombstones.set(id, { seq: ++tenant.changeSeq, reason: options.permanent ? 'deleted' : 'changed' });
  }

  getUser(tenantId: string, userId: string): SimUser | undefined {
    return this.resolveTenant(tenantId)?.users.get(userId.toLowerCase())?.user;
  }

  listUsers(tenantId: string): SimUser[] {
    return this.sortedUsers(this.requireTenant(tenantId)).map((record) => record.user);
  }

  /** Users in id order; Graph pages and delta walk this. */
  sortedUsers(tenant: TenantRecord): UserRecord[] {
    if (!tenant.sortedUsers) {
      tenant.sortedUsers = [...tenant.users.values()].sort((a, b) =>
        a.user.id < b.user.id ? -1 : a.user.id > b.user.id ? 1 : 0,
      );
    }
    return tenant.sortedUsers;
  }

  /** Differs after any change a snapshot would show (apps, tenants, consent, users). */
  changeKey(): string {
    let userChanges = 0;
    for (const tenant of this.tenants.values()) userChanges += tenant.changeSeq;
    return `${this.revision}:${userChanges}`;
  }

  /** Makes every delta token issued so far for the tenant unknown: the next use gets 410. */
  invalidateDeltaTokens(tenantId: string): void {
    this.requireTenant(tenantId).deltaEpoch++;
  }

  /** The directory as a seed (secrets included: this is a test double). */
  snapshot(): SimSeed {
    return {
      apps: this.listApps().map((app) => ({
        clientId: app.clientId,
        displayName: app.displayName,
        secrets: [...app.secrets.values()].map((s) => ({
          id: s.id,
          value: s.value,
          ...(s.expiresAt !== null ? { expiresAt: new Date(s.expiresAt).toISOString() } : {}),
        })),
        certificates: app.certificates.map((c) => ({ pem: c.pem })),
        redirectUris: app.redirectUris,
        requiredRoles: app.requiredRoles,
        disabled: app.disabled,
      })),
      tenants: this.listTenants().map((tenant) => ({
        tenantId: tenant.tenantId,
        displayName: tenant.displayName,
        domain: tenant.domain,
        otherDomains: tenant.domains.slice(1),
        nationalCloud: tenant.nationalCloud,
        consents: [...tenant.consents.values()].map((c) => ({ clientId: c.clientId, roles: c.roles })),
        users: this.sortedUsers(tenant).map((u) => ({ ...u.user })),
      })),
    };
  }

  private writeUser(tenant: TenantRecord, user: SimUser, isNew: boolean): void {
    const record: UserRecord = { user, seq: ++tenant.changeSeq, json: serializeDefaultUser(user) };
    tenant.users.set(user.id, record);
    tenant.tombstones.delete(user.id);
    // Replacing a record keeps the id order, so the sorted view can be patched in place.
    if (isNew || !tenant.sortedUsers) {
      tenant.sortedUsers = null;
    } else {
      const index = tenant.sortedUsers.findIndex((r) => r.user.id === user.id);
      if (index >= 0) tenant.sortedUsers[index] = record;
      else tenant.sortedUsers = null;
    }
  }

  private unindexTenant(tenant: TenantRecord): void {
    this.tenantIndex.delete(tenant.tenantId);
    for (const domain of tenant.domains) this.tenantIndex.delete(domain.toLowerCase());
  }

  private requireApp(clientId: string): AppRecord {
    const app = this.getApp(clientId);
    if (!app) throw new SimDirectoryError('not_found', `app ${clientId} not registered`);
    return app;
  }

  private requireTenant(tenantId: string): TenantRecord {
    const tenant = this.resolveTenant(tenantId);
    if (!tenant) throw new SimDirectoryError('not_found', `tenant ${tenantId} not found`);
    return tenant;
  }
}

export function serializeDefaultUser(user: SimUser): string {
  const view: Record<string, unknown> = {};
  for (const property of DEFAULT_USER_PROPERTIES) view[property] = user[property];
  return JSON.stringify(view);
}
