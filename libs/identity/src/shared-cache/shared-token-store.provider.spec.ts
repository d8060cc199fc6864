import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError, loadConfig } from '@tenantry/config';
import { resolveTokenCacheKey } from './shared-token-store.provider';

describe('resolveTokenCacheKey', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tenantry-token-key-'));
  });

  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('uses TOKEN_CACHE_KEY when set', async () => {
    const key = randomBytes(32);
    const config = loadConfig({ TOKEN_CACHE_KEY: key.toString('base64'), TENANTRY_DATA_DIR: dataDir });
    expect(await resolveTokenCacheKey(config)).toEqual(key);
  });

  it('in simulator mode, creates one private key file in the data directory and reuses it', async () => {
    const config = loadConfig({ TENANTRY_DATA_DIR: join(dataDir, 'nested') });
    const keys = await Promise.all([1, 2, 3, 4].map(() => resolveTokenCacheKey(config)));
    expect(keys[0]).toHaveLength(32);
    for (const key of keys) expect(key).toEqual(keys[0]);
    const path = join(dataDir, 'nested', 'token-cache.key');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(path, 'utf8')).trim(), 'base64')).toEqual(keys[0]);
    expect(await resolveTokenCacheKey(config)).toEqual(keys[0]);
  });

  it('outside simulator mode, refuses to start without TOKEN_CACHE_KEY', async () => {
    // The configuration schema already refuses this combination; this is the net under it for a
    // configuration built some other way.
    const config = {
      ...loadConfig({
        AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000001',
        AZURE_CLIENT_SECRET: 'secret',
        TOKEN_CACHE_KEY: Buffer.alloc(32, 1).toString('base64'),
        TENANTRY_DATA_DIR: dataDir,
      }),
      tokenCacheKey: undefined,
    };
    const failure = resolveTokenCacheKey(config);
    await expect(failure).rejects.toBeInstanceOf(ConfigValidationError);
    await expect(failure).rejects.toThrow(
      'TOKEN_CACHE_KEY: required when the shared cache is on outside simulator mode',
    );
  });
});
