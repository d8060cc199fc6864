import {
  X509Certificate,
  createPublicKey,
  generateKeyPairSync,
  randomUUID,
  sign as signData,
  type JsonWebKey,
} from 'node:crypto';
import { ConfidentialClientApplication, type Configuration, type NodeAuthOptions } from '@azure/msal-node';
import jwt from 'jsonwebtoken';
import { HttpsCaNetworkModule, createCertificate, startEntraSim, type RunningEntraSim } from '@tenantry/entra-sim';
import { ClientAssertionSigner } from './support/client-assertion-signer';
import { SimHttp } from './support/sim-http';

const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
}

interface MsalFailure {
  errorCode?: string;
  errorNo?: string | number;
  errorMessage?: string;
  status?: number;
}

describe('entra-sim identity platform with @azure/msal-node', () => {
  let sim: RunningEntraSim;
  let network: HttpsCaNetworkModule;
  let http: SimHttp;
  let contoso: string;
  let northwind: string;

  beforeAll(async () => {
    sim = await startEntraSim();
    network = new HttpsCaNetworkModule({ ca: sim.caCertPem });
    http = new SimHttp(sim.caCertPem);
    contoso = sim.demo.tenants[0].tenantId;
    northwind = sim.demo.tenants.find((t) => !t.consented)!.tenantId;
  });

  afterAll(async () => {
    network.destroy();
    http.destroy();
    await sim.stop();
  });

  function client(
    tenant: string,
    auth: Partial<NodeAuthOptions> = {},
    extra: Partial<Configuration> = {},
  ): ConfidentialClientApplication {
    return new ConfidentialClientApplication({
      auth: {
        clientId: sim.demo.clientId,
        authority: `${sim.authorityHost}/${tenant}`,
        knownAuthorities: [sim.knownAuthority],
        ...(auth.clientAssertion || auth.clientCertificate ? {} : { clientSecret: sim.demo.clientSecret }),
        ...auth,
      },
      system: { networkClient: network },
      ...extra,
    });
  }

  async function failure(app: ConfidentialClientApplication, scopes = [GRAPH_SCOPE]): Promise<MsalFailure> {
    try {
      await app.acquireTokenByClientCredential({ scopes, skipCache: true });
    } catch (error) {
      return error as MsalFailure;
    }
    throw new Error('expected the token request to fail');
  }

  async function jwksKey(kid: string) {
    const response = await http.get<{ keys: Array<JsonWebKey & { kid: string }> }>(
      `${sim.authorityHost}/${contoso}/discovery/v2.0/keys`,
    );
    const jwk = response.json.keys.find((k) => k.kid === kid);
    if (!jwk) throw new Error(`kid ${kid} not in JWKS`);
    return createPublicKey({ key: jwk, format: 'jwk' });
  }

  describe('discovery', () => {
    it('serves the v2.0 document by tenant GUID and by verified domain, in Entra shape', async () => {
      const byId = await http.get<Record<string, string>>(
        `${sim.authorityHost}/${contoso}/v2.0/.well-known/openid-configuration`,
      );
      expect(byId.status).toBe(200);
      expect(byId.json.issuer).toBe(`${sim.authorityHost}/${contoso}/v2.0`);
      expect(byId.json.token_endpoint).toBe(`${sim.authorityHost}/${contoso}/oauth2/v2.0/token`);
      expect(byId.json.jwks_uri).toBe(`${sim.authorityHost}/${contoso}/discovery/v2.0/keys`);
      const byDomain = await http.get<Record<string, string>>(
        `${sim.authorityHost}/${sim.demo.tenants[0].domain}/v2.0/.well-known/openid-configuration`,
      );
      expect(byDomain.json.issuer).toBe(byId.json.issuer);
      const v1 = await http.get<Record<string, string>>(
        `${sim.authorityHost}/${contoso}/.well-known/openid-configuration`,
      );
      expect(v1.json.issuer).toBe(`https://sts.windows.net/${contoso}/`);
      const organizations = await http.get<Record<string, string>>(
        `${sim.authorityHost}/organizations/v2.0/.well-known/openid-configuration`,
      );
      expect(organizations.json.issuer).toBe(`${sim.authorityHost}/{tenantid}/v2.0`);
    });

    it('answers an unknown tenant with 400 and AADSTS90002, like Entra', async () => {
      const response = await http.get<EntraErrorBody>(
        `${sim.authorityHost}/nosuchtenant.onmicrosoft.com/v2.0/.well-known/openid-configuration`,
      );
      expect(response.status).toBe(400);
      expect(response.json.error_codes).toEqual([90002]);
      expect(response.json.error_description).toMatch(/^AADSTS90002: /);
    });
  });

  describe('client secret', () => {
    it('gets a token msal accepts, verifiable against the JWKS, with tid, appid and the consented roles', async () => {
      const result = await client(contoso).acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
      expect(result?.accessToken).toBeTruthy();
      const decoded = jwt.decode(result!.accessToken, { complete: true })!;
      const key = await jwksKey(decoded.header.kid!);
      const claims = jwt.verify(result!.accessToken, key, {
        algorithms: ['RS256'],
        audience: 'https://graph.microsoft.com',
        issuer: `https://sts.windows.net/${contoso}/`,
      }) as jwt.JwtPayload;
      expect(claims.tid).toBe(contoso);
      expect(claims.appid).toBe(sim.demo.clientId);
      expect(claims.roles).toEqual(['Directory.Read.All', 'User.Read.All']);
      expect(claims.ver).toBe('1.0');
      expect(claims.exp! - claims.iat!).toBe(3599);
    });

    it('resolves a verified-domain authority to the tenant GUID in tid', async () => {
      const result = await client(sim.demo.tenants[1].domain).acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE] });
      expect((jwt.decode(result!.accessToken) as jwt.JwtPayload).tid).toBe(sim.demo.tenants[1].tenantId);
    });

    it('accepts the secret in HTTP Basic auth and answers in the v2 shape', async () => {
      const basic = Buffer.from(
        `${encodeURIComponent(sim.demo.clientId)}:${encodeURIComponent(sim.demo.clientSecret)}`,
      ).toString('base64');
      const response = await http.post<Record<string, unknown>>(
        `${sim.authorityHost}/${contoso}/oauth2/v2.0/token`,
        new URLSearchParams({ grant_type: 'client_credentials', scope: GRAPH_SCOPE }).toString(),
        { authorization: `Basic ${basic}` },
      );
      expect(response.status).toBe(200);
      expect(response.json).toEqual({
        token_type: 'Bearer',
        expires_in: expect.any(Number),
        ext_expires_in: expect.any(Number),
        access_token: expect.any(String),
      });
    });
  });

  describe('certificate', () => {
    const certificate = createCertificate({ commonName: 'tenantry test client' });
    const signer = new ClientAssertionSigner(certificate.certPem, certificate.keyPem);

    beforeAll(() => {
      sim.state.addCertificate(sim.demo.clientId, { pem: certificate.certPem });
    });

    it('two network requests in a row succeed when each signs a fresh PS256 assertion (x5t#S256)', async () => {
      const app = client(contoso, {
        clientAssertion: async (config) => signer.sign({ clientId: config.clientId, audience: config.tokenEndpoint! }),
      });
      const first = await app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache: true });
      const second = await app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache: true });
      expect(first?.accessToken).toBeTruthy();
      expect(second?.accessToken).toBeTruthy();
      expect((jwt.decode(second!.accessToken) as jwt.JwtPayload).appidacr).toBe('2');
    });

    it('accepts RS256 assertions with x5t', async () => {
      const app = client(contoso, {
        clientAssertion: async (config) =>
          signer.sign({ clientId: config.clientId, audience: config.tokenEndpoint!, algorithm: 'RS256' }),
      });
      await expect(
        app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache: true }),
      ).resolves.toBeTruthy();
    });

    it("rejects the replay of msal's built-in clientCertificate assertion (same jti) with AADSTS50013", async () => {
      const app = client(contoso, {
        clientCertificate: { thumbprintSha256: createHashHex(certificate.certPem), privateKey: certificate.keyPem },
      });
      await expect(
        app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache: true }),
      ).resolves.toBeTruthy();
      const replay = await failure(app);
      expect(replay.errorCode).toBe('invalid_client');
      expect(String(replay.errorNo)).toBe('50013');
    });

    it('rejects a bad signature (AADSTS700027), a wrong audience and an expired assertion (700024)', async () => {
      const other = createCertificate({ commonName: 'unregistered' });
      const impostor = new ClientAssertionSigner(certificate.certPem, other.keyPem);
      const badSignature = await failure(
        client(contoso, {
          clientAssertion: async (config) =>
            impostor.sign({ clientId: config.clientId, audience: config.tokenEndpoint! }),
        }),
      );
      expect(badSignature.errorCode).toBe('invalid_client');
      expect(String(badSignature.errorNo)).toBe('700027');
      expect(badSignature.errorMessage).toContain('AADSTS700027:');

      const wrongAudience = await failure(
        client(contoso, {
          clientAssertion: async (config) =>
            signer.sign({ clientId: config.clientId, audience: 'https://example.org/token' }),
        }),
      );
      expect(String(wrongAudience.errorNo)).toBe('700027');

      const expired = await failure(
        client(contoso, {
          clientAssertion: async (config) =>
            signer.sign({
              clientId: config.clientId,
              audience: config.tokenEndpoint!,
              claims: { exp: Math.floor(Date.now() / 1000) - 3600, nbf: Math.floor(Date.now() / 1000) - 4000 },
            }),
        }),
      );
      expect(String(expired.errorNo)).toBe('700024');
    });
  });

  describe('federated credential', () => {
    it('accepts an assertion from the configured issuer, subject and audience', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1' };
      sim.state.addFederatedCredential(sim.demo.clientId, {
        issuer: 'https://oidc.cluster.test',
        subject: 'system:serviceaccount:tenantry:worker',
        jwks: [jwk],
      });
      const now = Math.floor(Date.now() / 1000);
      const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: 'JWT' })).toString('base64url');
      const makeToken = (subject: string) => {
        const payload = Buffer.from(
          JSON.stringify({
            iss: 'https://oidc.cluster.test',
            sub: subject,
            aud: 'api://AzureADTokenExchange',
            iat: now,
            nbf: now,
            exp: now + 3600,
          }),
        ).toString('base64url');
        return `${header}.${payload}.${signData('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
      };
      const token = makeToken('system:serviceaccount:tenantry:worker');
      const app = client(contoso, { clientAssertion: token });
      // The same workload token is reused, as Kubernetes does; Entra accepts that.
      await expect(
        app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache: true }),
      ).resolves.toBeTruthy();
      await expect(
        app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache: true }),
      ).resolves.toBeTruthy();
      const wrongSubject = await failure(
        client(contoso, { clientAssertion: makeToken('system:serviceaccount:other:sa') }),
      );
      expect(String(wrongSubject.errorNo)).toBe('700213');
    });
  });

  describe('failures as AADSTS codes', () => {
    it('90002: tenant not found (msal given the metadata, so the token endpoint answers)', async () => {
      const ghost = randomUUID();
      const metadata = (
        await http.get<Record<string, string>>(`${sim.authorityHost}/${contoso}/v2.0/.well-known/openid-configuration`)
      ).text
        .split(contoso)
        .join(ghost);
      const error = await failure(client(ghost, { authorityMetadata: metadata }));
      expect(error.errorCode).toBe('invalid_request');
      expect(String(error.errorNo)).toBe('90002');
      expect(error.errorMessage).toContain('AADSTS90002:');
    });

    it('an unknown tenant without metadata surfaces as endpoints_resolution_error, as against Entra', async () => {
      const error = await failure(client(randomUUID()));
      expect(error.errorCode).toBe('endpoints_resolution_error');
    });

    it('700016: app not in tenant (no consent)', async () => {
      const error = await failure(client(northwind));
      expect(error.errorCode).toBe('unauthorized_client');
      expect(String(error.errorNo)).toBe('700016');
    });

    it('7000215: invalid secret', async () => {
      const error = await failure(client(contoso, { clientSecret: 'wrong' }));
      expect(error.errorCode).toBe('invalid_client');
      expect(String(error.errorNo)).toBe('7000215');
      expect(error.status).toBe(401);
    });

    it('7000222: expired secret', async () => {
      sim.state.addSecret(sim.demo.clientId, { value: 'old-secret', expiresAt: '2020-01-01T00:00:00Z' });
      const error = await failure(client(contoso, { clientSecret: 'old-secret' }));
      expect(String(error.errorNo)).toBe('7000222');
    });

    it('70011: a scope that is not {resource}/.default', async () => {
      const error = await failure(client(contoso), ['https://graph.microsoft.com/User.Read.All']);
      expect(error.errorCode).toBe('invalid_scope');
      expect(String(error.errorNo)).toBe('70011');
    });

    it('7000112: app disabled', async () => {
      sim.state.setAppDisabled(sim.demo.clientId, true);
      try {
        const error = await failure(client(contoso));
        expect(error.errorCode).toBe('unauthorized_client');
        expect(String(error.errorNo)).toBe('7000112');
      } finally {
        sim.state.setAppDisabled(sim.demo.clientId, false);
      }
    });

    it('429 with Retry-After from an injected fault, in the raw response and through msal', async () => {
      sim.faults.add({ tenant: contoso, endpoint: 'token', status: 429, retryAfterSeconds: 7, count: 2 });
      const raw = await http.post<EntraErrorBody>(
        `${sim.authorityHost}/${contoso}/oauth2/v2.0/token`,
        new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: sim.demo.clientId,
          client_secret: sim.demo.clientSecret,
          scope: GRAPH_SCOPE,
        }).toString(),
        { 'client-request-id': 'abc-123' },
      );
      expect(raw.status).toBe(429);
      expect(raw.headers['retry-after']).toBe('7');
      expect(raw.json).toMatchObject({
        error_codes: [90055],
        correlation_id: 'abc-123',
        trace_id: expect.any(String),
        timestamp: expect.any(String),
      });
      expect(raw.json.error_description).toMatch(/^AADSTS90055: /);
      const error = await failure(client(contoso));
      expect(error.status).toBe(429);
      expect(String(error.errorNo)).toBe('90055');
      // The fault was for two requests; a fresh client instance now succeeds.
      await expect(
        client(contoso).acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache: true }),
      ).resolves.toBeTruthy();
    });

    it('a fresh consent works at the token endpoint only after the propagation delay', async () => {
      sim.state.grantConsent(northwind, sim.demo.clientId, undefined, { propagationDelayMs: 1500 });
      try {
        expect(String((await failure(client(northwind))).errorNo)).toBe('700016');
        await new Promise((resolve) => setTimeout(resolve, 1600));
        await expect(
          client(northwind).acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache: true }),
        ).resolves.toBeTruthy();
      } finally {
        sim.state.revokeConsent(northwind, sim.demo.clientId);
      }
    });

    it('counts token requests per tenant', () => {
      expect(sim.counters.get(contoso, 'token')).toBeGreaterThan(5);
    });
  });
});

function createHashHex(certPem: string): string {
  // msal wants the hex SHA-256 thumbprint of the DER certificate.
  return new X509Certificate(certPem).fingerprint256.replace(/:/g, '').toLowerCase();
}
