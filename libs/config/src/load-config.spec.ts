import { ConfigValidationError } from './config-validation.error';
import { loadConfig } from './load-config';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('defaults to the embedded database, the PostgreSQL queue backend and simulator mode', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.http.publicBaseUrl).toBe('http://localhost:3000');
    expect(config.database.url).toBeUndefined();
    expect(config.queue.redisUrl).toBeUndefined();
    expect(config.azure.mode).toBe('simulator');
  });

  it('names each bad variable on its own line', () => {
    const problems = problemsOf({ PORT: 'abc', DATABASE_URL: 'mysql://nope', REDIS_URL: 'http://x' });
    expect(problems).toHaveLength(3);
    expect(problems.find((line) => line.startsWith('PORT:'))).toContain('whole number');
    expect(problems.find((line) => line.startsWith('DATABASE_URL:'))).toContain('postgres://');
    expect(problems.find((line) => line.startsWith('REDIS_URL:'))).toContain('redis://');
  });

  it('says one thing of one mistake', () => {
    expect(problemsOf({ JOBS_TIER_WEIGHTS: 'x' })).toEqual([
      expect.stringMatching(/^JOBS_TIER_WEIGHTS: expected tier=weight pairs/),
    ]);
    expect(problemsOf({ JOBS_TIER_WEIGHTS: 'standard=0' })).toEqual([
      expect.stringMatching(/^JOBS_TIER_WEIGHTS: expected weights above 0/),
    ]);
  });

  it('refuses a port out of range', () => {
    expect(problemsOf({ PORT: '70000' })[0]).toMatch(/^PORT: expected a whole number from 0 to 65535/);
  });

  it('requires exactly one credential with a client id', () => {
    const clientId = '11111111-2222-3333-4444-555555555555';
    expect(problemsOf({ AZURE_CLIENT_ID: clientId })[0]).toMatch(/^AZURE_CLIENT_ID: needs exactly one credential/);
    expect(
      problemsOf({ AZURE_CLIENT_ID: clientId, AZURE_CLIENT_SECRET: 's', AZURE_FEDERATED_TOKEN_FILE: '/f' })[0],
    ).toContain('AZURE_CLIENT_SECRET and AZURE_FEDERATED_TOKEN_FILE');
    expect(problemsOf({ AZURE_CLIENT_ID: clientId, AZURE_CLIENT_SECRET: 's' })).toEqual([
      expect.stringMatching(/^TOKEN_CACHE_KEY: is required with AZURE_CLIENT_ID/),
    ]);
    const config = loadConfig({
      AZURE_CLIENT_ID: clientId,
      AZURE_CLIENT_CERTIFICATE_PATH: '/cert.pem',
      TOKEN_CACHE_KEY: Buffer.alloc(32, 1).toString('base64'),
    });
    expect(config.azure).toMatchObject({
      mode: 'entra',
      clientId,
      credential: { kind: 'certificate', path: '/cert.pem' },
      authorityHost: 'https://login.microsoftonline.com',
    });
  });

  it('never echoes a secret back in an error', () => {
    const problems = problemsOf({ AZURE_CLIENT_SECRET: 'super-secret-value', TOKEN_CACHE_KEY: 'short-key' });
    expect(problems.join('\n')).not.toContain('super-secret-value');
    expect(problems.join('\n')).not.toContain('short-key');
    expect(problems.some((line) => line.startsWith('TOKEN_CACHE_KEY: expected 32 random bytes'))).toBe(true);
  });

  it('never echoes the password of a malformed URL', () => {
    const [problem] = problemsOf({ DATABASE_URL: 'postgress://app:S3cret@db/x' });
    expect(problem).toMatch(/^DATABASE_URL: /);
    expect(problem).not.toContain('S3cret');
  });

  it('accepts a 32-byte base64 token cache key', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ TOKEN_CACHE_KEY: key }).tokenCacheKey).toEqual(Buffer.alloc(32, 7));
  });
});
