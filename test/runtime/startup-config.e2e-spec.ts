import { runEntryPoint } from '@tenantry/testing';

describe('start-up with a bad environment', () => {
  it.each([
    ['PORT', { PORT: 'abc' }, /^tenantry: Invalid configuration:\n\s+- PORT: expected a whole number/m],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }, /- DATABASE_URL: expected a postgres:\/\/ URL/],
    [
      'AZURE_CLIENT_ID',
      { AZURE_CLIENT_ID: '11111111-2222-3333-4444-555555555555' },
      /- AZURE_CLIENT_ID: needs exactly one credential/,
    ],
    [
      'AZURE_CLIENT_ID (the API alone does not embed the simulator)',
      {},
      /- AZURE_CLIENT_ID: not set\. Only `npm start`/,
    ],
  ])('exits non-zero naming %s, before touching anything', async (_name, env, message) => {
    const result = await runEntryPoint('apps/api/main.ts', [], env);
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });
});
