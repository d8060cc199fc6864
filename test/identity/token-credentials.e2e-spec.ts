import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from 'jsonwebtoken';
import { createCertificate } from '@tenantry/entra-sim';
import { ApplicationCredentialError } from '@tenantry/identity';
import { CapturingLogger, claimsOf, IdentityTestbed, startIdentityTestbed } from '@tenantry/testing';

let directory: string;
const secrets: string[] = [];
const logs = new CapturingLogger();

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tenantry-credentials-'));
});

afterAll(async () => {
  // Nothing secret, in any test of this file, reached a log line: keys, assertions, tokens.
  expect(logs.lines.length).toBeGreaterThan(0);
  for (const secret of secrets) expect(logs.text()).not.toContain(secret);
  await rm(directory, { recursive: true, force: true });
});

describe('token service with a certificate', () => {
  let bed: IdentityTestbed;

  beforeAll(async () => {
    bed = await startIdentityTestbed({
      logger: logs,
      sim: { tokenReuseSeconds: 0 },
      credential: async (sim) => {
        const certificate = createCertificate({ commonName: 'tenantry-test-app', usage: 'clientAuth' });
        sim.state.addCertificate(sim.demo.clientId, { pem: certificate.certPem });
        const path = join(directory, 'app.pem');
        await writeFile(path, `${certificate.keyPem}\n${certificate.certPem}`, { mode: 0o600 });
        secrets.push(certificate.keyPem.split('\n')[1]);
        return { kind: 'certificate', path };
      },
    });
  });

  afterAll(() => bed.close());

  it('signs a fresh assertion for every request (a strict server refuses a replayed jti)', async () => {
    const [tenant] = bed.sim.demo.tenants.filter((candidate) => candidate.consented);
    await bed.activate(tenant.tenantId);
    const tokens = [];
    for (let round = 0; round < 3; round += 1)
      tokens.push(await bed.tokens.getToken(tenant.tenantId, { forceRefresh: true }));
    for (const token of tokens) {
      expect(claimsOf(token.accessToken)).toMatchObject({ tid: tenant.tenantId, appidacr: '2' });
      secrets.push(token.accessToken);
    }
    expect(bed.sim.counters.get(tenant.tenantId, 'token')).toBe(3);
  });
});

describe('token service with a federated credential', () => {
  let bed: IdentityTestbed;
  let tokenFile: string;
  const issuer = 'https://oidc.tenantry.test';
  const subject = 'system:serviceaccount:tenantry:worker';
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const workloadToken = (lifetimeSeconds = 600) =>
    sign({ sub: subject, aud: 'api://AzureADTokenExchange', jti: randomUUID() }, keys.privateKey, {
      algorithm: 'RS256',
      issuer,
      expiresIn: lifetimeSeconds,
      keyid: 'k1',
    });

  beforeAll(async () => {
    tokenFile = join(directory, 'federated-token');
    await writeFile(tokenFile, 'not-yet-a-token');
    bed = await startIdentityTestbed({
      logger: logs,
      queue: 'postgres',
      credential: (sim) => {
        sim.state.addFederatedCredential(sim.demo.clientId, {
          issuer,
          subject,
          publicKeysPem: [keys.publicKey.export({ type: 'spki', format: 'pem' }).toString()],
        });
        return { kind: 'federated', tokenFile };
      },
    });
  });

  afterAll(() => bed.close());

  it('re-reads the token file on every use, so a rotated token is picked up without a restart', async () => {
    const [tenant] = bed.sim.demo.tenants.filter((candidate) => candidate.consented);
    await bed.activate(tenant.tenantId);
    await expect(bed.tokens.getToken(tenant.tenantId)).rejects.toBeInstanceOf(ApplicationCredentialError);

    const rotated = workloadToken();
    secrets.push(rotated);
    await writeFile(tokenFile, `${rotated}\n`);
    const token = await bed.tokens.getToken(tenant.tenantId);
    secrets.push(token.accessToken);
    expect(claimsOf(token.accessToken)).toMatchObject({ tid: tenant.tenantId, appidacr: '2' });
    expect((await bed.registry.get(tenant.tenantId)).status).toBe('active');
  });
});

describe('token service refresh ahead', () => {
  let bed: IdentityTestbed;

  beforeAll(async () => {
    // 20-second tokens: refresh due after 8-10 s, served until 14-15 s (wide margins under load).
    bed = await startIdentityTestbed({ logger: logs, sim: { tokenLifetimeSeconds: 20, tokenReuseSeconds: 0 } });
  });

  afterAll(() => bed.close());

  it('refreshes in the background before expiry while callers keep getting a valid token at once', async () => {
    const [tenant] = bed.sim.demo.tenants.filter((candidate) => candidate.consented);
    await bed.activate(tenant.tenantId);
    const first = await bed.tokens.getToken(tenant.tenantId);
    secrets.push(first.accessToken, bed.sim.demo.clientSecret);
    await new Promise((resolve) => setTimeout(resolve, 10_300)); // past the refresh time, well before the serving margin

    // The identity platform now takes 1.5 s to answer: a caller that waited for the refresh would
    // get the new token; one served at once gets the current, still valid one.
    bed.sim.faults.add({ tenant: tenant.tenantId, endpoint: 'token', latencyMs: 1500, count: 1 });
    const during = await bed.tokens.getToken(tenant.tenantId);
    expect(during.accessToken).toBe(first.accessToken);

    await new Promise((resolve) => setTimeout(resolve, 1800));
    const after = await bed.tokens.getToken(tenant.tenantId);
    expect(after.accessToken).not.toBe(first.accessToken);
    expect(after.expiresOn.getTime()).toBeGreaterThan(first.expiresOn.getTime());
    expect(bed.sim.counters.get(tenant.tenantId, 'token')).toBe(2);
  });
});

describe('token service through an identity-platform outage longer than a token’s life', () => {
  let bed: IdentityTestbed;

  beforeAll(async () => {
    // Time compressed: 8-second tokens, an outage of at least 12 seconds.
    bed = await startIdentityTestbed({ logger: logs, sim: { tokenLifetimeSeconds: 8, tokenReuseSeconds: 0 } });
  });

  afterAll(() => bed.close());

  it('serves valid tokens while it can, reports the outage after, flags no tenant, and recovers', async () => {
    const tenants = bed.sim.demo.tenants.filter((candidate) => candidate.consented).map((tenant) => tenant.tenantId);
    for (const tenantId of tenants) await bed.activate(tenantId);
    const before = await Promise.all(tenants.map((tenantId) => bed.tokens.getToken(tenantId)));
    // Until removed below: the loop's end, not a timer, ends the outage.
    const outage = bed.sim.faults.add({ endpoint: 'token', status: 503 });

    const outcomes: string[] = [];
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      for (const [index, tenantId] of tenants.entries()) {
        const outcome = await bed.tokens.getToken(tenantId).then(
          (token) => {
            // Never an expired token, never another tenant's.
            expect(token.expiresOn.getTime()).toBeGreaterThan(Date.now());
            expect(claimsOf(token.accessToken).tid).toBe(tenantId);
            return token.accessToken === before[index].accessToken ? 'cached' : 'fresh';
          },
          (error: { code?: string }) => String(error.code),
        );
        outcomes.push(outcome);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    bed.sim.faults.remove(outage.id);

    expect(outcomes).toContain('cached');
    expect(new Set(outcomes.filter((outcome) => outcome !== 'cached'))).toEqual(new Set(['identity_unavailable']));
    for (const tenantId of tenants) expect((await bed.registry.get(tenantId)).status).toBe('active');
    const after = await Promise.all(tenants.map((tenantId) => bed.tokens.getToken(tenantId)));
    after.forEach((token, index) => expect(claimsOf(token.accessToken).tid).toBe(tenants[index]));
  }, 60_000);
});
