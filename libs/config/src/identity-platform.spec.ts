import { identityPlatformOf } from './identity-platform';
import { loadConfig } from './load-config';

const entra = (extra: Record<string, string> = {}) =>
  loadConfig({
    AZURE_CLIENT_ID: '11111111-2222-3333-4444-555555555555',
    AZURE_CLIENT_SECRET: 'secret',
    TOKEN_CACHE_KEY: Buffer.alloc(32, 1).toString('base64'),
    ...extra,
  });

describe('identityPlatformOf', () => {
  it('uses the public cloud by default, with msal’s built-in authority knowledge', () => {
    expect(identityPlatformOf(entra())).toMatchObject({
      authorityHost: 'https://login.microsoftonline.com',
      graphBaseUrl: 'https://graph.microsoft.com/v1.0',
      resource: 'https://graph.microsoft.com',
      knownAuthorities: [],
    });
  });

  it.each([
    ['US Government', 'https://login.microsoftonline.us', 'https://graph.microsoft.us'],
    ['US Government DoD', 'https://login.microsoftonline.us', 'https://dod-graph.microsoft.us'],
    ['China (21Vianet)', 'https://login.partner.microsoftonline.cn', 'https://microsoftgraph.chinacloudapi.cn'],
  ])('targets the %s cloud and its own Graph resource', (_cloud, authorityHost, graph) => {
    const platform = identityPlatformOf(entra({ AZURE_AUTHORITY_HOST: authorityHost, GRAPH_BASE_URL: graph }));
    expect(platform).toMatchObject({
      authorityHost,
      graphBaseUrl: `${graph}/v1.0`,
      resource: graph,
      knownAuthorities: [],
    });
  });

  it('trusts any other host (a proxy, the simulator) as a known authority, port included', () => {
    const platform = identityPlatformOf(
      entra({
        AZURE_AUTHORITY_HOST: 'https://login.proxy.example:8443',
        GRAPH_BASE_URL: 'https://graph.proxy.example/v1.0',
      }),
    );
    expect(platform.knownAuthorities).toEqual(['login.proxy.example:8443']);
    expect(platform.graphBaseUrl).toBe('https://graph.proxy.example/v1.0');
    // What is behind it is global Graph: tokens are for Graph, not for the proxy's host.
    expect(platform.resource).toBe('https://graph.microsoft.com');
  });

  it('refuses simulator mode: only the entry point that started the simulator can describe it', () => {
    expect(() => identityPlatformOf(loadConfig({}))).toThrow(/Simulator mode/);
  });
});
