import { randomUUID } from 'node:crypto';
import {
  ApplicationCredentialError,
  ApplicationCredentialHealth,
  IdentityThrottledError,
  TenantAccessError,
  TenantNotServedError,
  TokenHealthRecorder,
} from '@tenantry/identity';
import { TenantNotFoundError } from '@tenantry/tenants';
import { claimsOf, IdentityTestbed, startIdentityTestbed } from '@tenantry/testing';

describe('token service (client secret, Redis)', () => {
  let bed: IdentityTestbed;
  let contoso: string;
  let fabrikam: string;

  beforeAll(async () => {
    bed = await startIdentityTestbed({ sim: { tokenReuseSeconds: 0 } });
    [contoso, fabrikam] = bed.sim.demo.tenants.filter((tenant) => tenant.consented).map((tenant) => tenant.tenantId);
    await bed.activate(contoso);
    await bed.activate(fabrikam);
  });

  afterAll(() => bed.close());

  beforeEach(() => bed.sim.counters.reset());

  const tokenRequests = (tenantId: string) => bed.sim.counters.get(tenantId, 'token');

  it('acquires an app-only token for the tenant, then serves it from cache', async () => {
    const first = await bed.tokens.getToken(contoso);
    expect(claimsOf(first.accessToken)).toMatchObject({ tid: contoso, appid: bed.identity.clientId });
    expect(first.expiresOn.getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
    const second = await bed.tokens.getToken(contoso.toUpperCase());
    expect(second.accessToken).toBe(first.accessToken);
    expect(tokenRequests(contoso)).toBe(1);
  });

  it('merges concurrent callers for one tenant into one request', async () => {
    await bed.tokens.evict(fabrikam);
    bed.sim.counters.reset();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => bed.tokens.getToken(fabrikam)));
    expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1);
    expect(tokenRequests(fabrikam)).toBe(1);
  });

  it('never returns one tenant’s token for another, under concurrent mixed callers', async () => {
    const tenants = Array.from({ length: 12 }, () => randomUUID());
    for (const [index, tenantId] of tenants.entries()) {
      bed.sim.state.upsertTenant({ tenantId, displayName: `T${index}`, domain: `t${index}.onmicrosoft.com` });
      bed.sim.state.grantConsent(tenantId, bed.identity.clientId);
      await bed.activate(tenantId);
    }
    const calls = Array.from({ length: 240 }, (_, index) => tenants[(index * 7) % tenants.length]);
    const results = await Promise.all(
      calls.map(async (tenantId) => ({ tenantId, token: await bed.tokens.getToken(tenantId) })),
    );
    for (const { tenantId, token } of results) expect(claimsOf(token.accessToken).tid).toBe(tenantId);
    for (const tenantId of tenants) expect(tokenRequests(tenantId)).toBe(1);
  });

  it('shares tokens and single flight across processes', async () => {
    const other = await bed.startProcess();
    await bed.tokens.evict(contoso);
    bed.sim.counters.reset();
    const tokens = await Promise.all(
      Array.from({ length: 100 }, (_, index) => (index % 2 ? bed.tokens : other.tokens).getToken(contoso)),
    );
    expect(new Set(tokens.map((token) => token.accessToken)).size).toBe(1);
    expect(tokenRequests(contoso)).toBe(1);
  });

  it('refuses unknown and offboarded tenants without asking the identity platform', async () => {
    await expect(bed.tokens.getToken(randomUUID())).rejects.toBeInstanceOf(TenantNotFoundError);
    const gone = randomUUID();
    await bed.activate(gone);
    await bed.registry.transition(gone, 'offboarded', { reason: 'operator_offboarded', actor: 'test' });
    await expect(bed.tokens.getToken(gone)).rejects.toBeInstanceOf(TenantNotServedError);
    await expect(bed.tokens.getToken('not-a-tenant')).rejects.toMatchObject({ code: 'missing_tenant_scope' });
    expect(bed.sim.counters.total('token')).toBe(0);
  });

  it('stops serving a cached tenant’s token, in every process, once it is offboarded', async () => {
    const tenantId = randomUUID();
    bed.sim.state.upsertTenant({ tenantId, displayName: 'Leaving', domain: 'leaving.onmicrosoft.com' });
    bed.sim.state.grantConsent(tenantId, bed.identity.clientId);
    await bed.activate(tenantId);
    const other = await bed.startProcess();
    await bed.tokens.getToken(tenantId);
    await bed.registry.transition(tenantId, 'offboarded', { reason: 'operator_offboarded', actor: 'test' });
    await expect(bed.tokens.getToken(tenantId)).rejects.toBeInstanceOf(TenantNotServedError);
    // Another process that never held it cannot pick it up from the shared store either.
    await expect(other.tokens.getToken(tenantId)).rejects.toBeInstanceOf(TenantNotServedError);
  });

  it('moves a tenant whose consent was revoked to needs_attention, with the code as reason', async () => {
    const tenantId = randomUUID();
    bed.sim.state.upsertTenant({ tenantId, displayName: 'Revoked', domain: 'revoked.onmicrosoft.com' });
    bed.sim.state.grantConsent(tenantId, bed.identity.clientId);
    await bed.activate(tenantId);
    await bed.tokens.getToken(tenantId);
    bed.sim.state.revokeConsent(tenantId, bed.identity.clientId);

    const error = await bed.tokens.getToken(tenantId, { forceRefresh: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TenantAccessError);
    expect(error).toMatchObject({ code: 'app_not_in_tenant', aadsts: 700016 });
    const tenant = await bed.registry.get(tenantId);
    expect(tenant).toMatchObject({ status: 'needs_attention', attentionReason: 'app_not_in_tenant' });
    const health = await bed.app.get(TokenHealthRecorder).find(tenantId);
    expect(health).toMatchObject({ lastErrorCode: 'app_not_in_tenant', requestsTotal: '2', failuresTotal: '1' });
  });

  it('tells the caller when to retry a throttled tenant, and flags nobody', async () => {
    const tenantId = randomUUID();
    bed.sim.state.upsertTenant({ tenantId, displayName: 'Busy', domain: 'busy.onmicrosoft.com' });
    bed.sim.state.grantConsent(tenantId, bed.identity.clientId);
    await bed.activate(tenantId);
    bed.sim.faults.add({ tenant: tenantId, endpoint: 'token', status: 429, retryAfterSeconds: 1, count: 1 });
    const error = await bed.tokens.getToken(tenantId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(IdentityThrottledError);
    expect((error as IdentityThrottledError).retryAfterMs).toBe(1000);
    expect((await bed.registry.get(tenantId)).status).toBe('active');

    // Until Retry-After passes, callers learn it at once and the identity platform is left alone.
    const again = await bed.tokens.getToken(tenantId).catch((caught: unknown) => caught);
    expect(again).toBeInstanceOf(IdentityThrottledError);
    expect((again as IdentityThrottledError).retryAfterMs).toBeLessThanOrEqual(1000);
    expect(tokenRequests(tenantId)).toBe(1);

    // Then the next attempt is a real request again, not msal's local refusal.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(claimsOf((await bed.tokens.getToken(tenantId)).accessToken).tid).toBe(tenantId);
    expect(tokenRequests(tenantId)).toBe(2);
  });

  it('retries transient failures with backoff and succeeds', async () => {
    const tenantId = randomUUID();
    bed.sim.state.upsertTenant({ tenantId, displayName: 'Flaky', domain: 'flaky.onmicrosoft.com' });
    bed.sim.state.grantConsent(tenantId, bed.identity.clientId);
    await bed.activate(tenantId);
    bed.sim.faults.add({ tenant: tenantId, endpoint: 'token', status: 503, count: 2 });
    expect(claimsOf((await bed.tokens.getToken(tenantId)).accessToken).tid).toBe(tenantId);
    expect(tokenRequests(tenantId)).toBe(3);
    expect((await bed.registry.get(tenantId)).status).toBe('active');
  });

  it('keeps serving valid tokens through an identity-platform outage, flagging no tenant', async () => {
    const cached = await bed.tokens.getToken(contoso);
    const outage = bed.sim.faults.add({ endpoint: 'token', status: 503 });
    try {
      expect((await bed.tokens.getToken(contoso)).accessToken).toBe(cached.accessToken);
      const refused = await bed.tokens.getToken(contoso, { forceRefresh: true }).catch((caught: unknown) => caught);
      expect(refused).toMatchObject({ code: 'identity_unavailable' });
      expect((await bed.registry.get(contoso)).status).toBe('active');
    } finally {
      bed.sim.faults.remove(outage.id);
    }
  });
});

describe('token service: application-scoped failures', () => {
  let bed: IdentityTestbed;

  beforeAll(async () => {
    bed = await startIdentityTestbed({
      queue: 'postgres',
      credential: () => ({ kind: 'secret', secret: 'not-the-secret' }),
    });
  });

  afterAll(() => bed.close());

  it('flags the application, not the tenants, when the secret is wrong', async () => {
    const [tenant] = bed.sim.demo.tenants.filter((candidate) => candidate.consented);
    await bed.activate(tenant.tenantId);
    const error = await bed.tokens.getToken(tenant.tenantId).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApplicationCredentialError);
    expect(error).toMatchObject({ code: 'invalid_client_secret', aadsts: 7000215 });
    expect(bed.app.get(ApplicationCredentialHealth).current()).toMatchObject({
      status: 'failing',
      code: 'invalid_client_secret',
    });
    expect((await bed.registry.get(tenant.tenantId)).status).toBe('active');
  });
});

describe('token service: credential rotation', () => {
  it('falls back to the secondary credential once when the primary itself is rejected', async () => {
    const rotated = await startIdentityTestbed({
      queue: 'postgres',
      credential: (sim) => {
        sim.state.removeSecrets(sim.demo.clientId);
        sim.state.addSecret(sim.demo.clientId, { value: 'the-new-secret' });
        return { kind: 'secret', secret: sim.demo.clientSecret };
      },
      secondaryCredential: { kind: 'secret', secret: 'the-new-secret' },
    });
    try {
      const [tenant] = rotated.sim.demo.tenants.filter((candidate) => candidate.consented);
      await rotated.activate(tenant.tenantId);
      const token = await rotated.tokens.getToken(tenant.tenantId);
      expect(claimsOf(token.accessToken).tid).toBe(tenant.tenantId);
      expect(rotated.app.get(ApplicationCredentialHealth).current()).toMatchObject({
        status: 'ok',
        usingSecondary: true,
        primaryRejectedCode: 'invalid_client_secret',
      });
      // Later acquisitions go straight to the secondary: one rejected request in all.
      await rotated.tokens.getToken(tenant.tenantId, { forceRefresh: true });
      expect(rotated.sim.counters.get(tenant.tenantId, 'token')).toBe(3);
    } finally {
      await rotated.close();
    }
  });
});
