import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestDatabase,
  freePort,
  runEntryPoint,
  startEntryPoint,
  TestDatabase,
  uniqueQueuePrefix,
} from '@tenantry/testing';

/**
 * `npm start` with nothing configured: the embedded PostgreSQL, BullMQ on it, data kept on disk.
 * Runs the real entry point in a child process (PGlite loads its WebAssembly through a dynamic
 * import, which jest's module sandbox cannot host).
 */
describe('the embedded default (npm start with no environment)', () => {
  let dataDir: string;
  // Where the first start's simulator listened: a restart comes back there.
  let simulatorOrigin: string | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tenantry-embedded-'));
  });

  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  async function start() {
    const port = await freePort();
    const platform = startEntryPoint('apps/standalone/main.ts', { PORT: String(port), TENANTRY_DATA_DIR: dataDir });
    try {
      await platform.waitFor(/Tenantry is running/, 90_000);
    } catch (error) {
      await platform.stop('SIGKILL');
      throw error;
    }
    return { platform, baseUrl: `http://127.0.0.1:${port}` };
  }

  it('is ready, says how to get a key, and a CLI beside it shares its database', async () => {
    const { platform, baseUrl } = await start();
    try {
      expect(platform.output()).toContain('npm run cli -- api-keys create --name admin --role admin');
      expect(platform.output()).toContain('embedded PostgreSQL');
      // No AZURE_CLIENT_ID: the simulator runs in-process as the identity platform.
      expect(platform.output()).toMatch(/simulator mode: entra-sim at https:\/\/127\.0\.0\.1:\d+/);
      expect(platform.output()).toMatch(/demo tenant [0-9a-f-]{36}\s+Contoso/);
      const ready = await fetch(`${baseUrl}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        info: { database: { status: 'up' }, queue: { backend: 'postgres' } },
      });

      // The CLI is a second process: it must attach to the running server rather than open the
      // data directory a second time (PGlite is single-process).
      const created = await runEntryPoint(
        'apps/cli/main.ts',
        ['api-keys', 'create', '--name', 'first', '--role', 'admin'],
        {
          TENANTRY_DATA_DIR: dataDir,
        },
      );
      expect(created).toMatchObject({ code: 0, stderr: '' });
      const key = created.stdout.trim().split('\n').at(-1) as string;
      expect(key).toMatch(/^tnty_[A-Za-z0-9_-]{43}$/);

      const tenants = await fetch(`${baseUrl}/api/v1/tenants`, { headers: { authorization: `Bearer ${key}` } });
      expect(tenants.status).toBe(200);
      // PGlite shares one session among connections, so BullMQ cannot count workers there: that
      // is unknown, not a queue without workers.
      const health = await fetch(`${baseUrl}/api/v1/health`, { headers: { authorization: `Bearer ${key}` } });
      expect(await health.json()).toMatchObject({
        status: 'ok',
        queueBackend: { kind: 'postgres', status: 'up' },
        workers: [
          { queue: 'system', workers: null },
          { queue: 'onboarding', workers: null },
          { queue: 'jobs', workers: null },
          { queue: 'schedules', workers: null },
        ],
      });

      // Onboard the demo tenant Contoso (its admin consented in the simulator's directory): a
      // link from the CLI, the admin's return to the callback, verification, active.
      const made = await runEntryPoint('apps/cli/main.ts', ['onboarding-link'], { TENANTRY_DATA_DIR: dataDir });
      expect(made).toMatchObject({ code: 0, stderr: '' });
      const link = new URL(made.stdout.trim().split('\n').at(-1) as string);
      expect(link.pathname).toBe('/organizations/v2.0/adminconsent');
      // Back to the running platform, though the CLI was not told its port.
      expect(link.searchParams.get('redirect_uri')).toBe(
        `${baseUrl.replace('127.0.0.1', 'localhost')}/onboarding/callback`,
      );
      expect(platform.output()).toContain(`entra-sim at ${link.origin}`);
      simulatorOrigin = link.origin;
      // A hint that is not a tenant id is refused by name, before anything is made.
      const hinted = await runEntryPoint('apps/cli/main.ts', ['onboarding-link', '--tenant-hint', 'contoso.com'], {
        TENANTRY_DATA_DIR: dataDir,
      });
      expect(hinted.code).not.toBe(0);
      expect(hinted.stderr).toContain("option '--tenant-hint <tenantId>' argument 'contoso.com' is invalid");
      const contoso = /demo tenant ([0-9a-f-]{36})\s+Contoso/.exec(platform.output())?.[1] as string;
      const back = new URLSearchParams({
        admin_consent: 'True',
        tenant: contoso,
        state: link.searchParams.get('state') as string,
      });
      expect((await fetch(`${baseUrl}/onboarding/callback?${back.toString()}`)).status).toBe(200);
      let status = 'pending';
      for (let waited = 0; status === 'pending' && waited < 200; waited += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const detail = await fetch(`${baseUrl}/api/v1/tenants/${contoso}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        status = ((await detail.json()) as { status: string }).status;
      }
      expect(status).toBe('active');
      expect(platform.output()).not.toContain(key);
    } finally {
      expect(await platform.stop('SIGTERM')).toBe(0);
    }
  });

  it('lets processes started together take turns on a fresh data directory, never both at once', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'tenantry-embedded-race-'));
    try {
      const runs = await Promise.all(
        ['first', 'second', 'third'].map((name) =>
          runEntryPoint('apps/cli/main.ts', ['api-keys', 'create', '--name', name, '--role', 'viewer'], {
            TENANTRY_DATA_DIR: fresh,
          }),
        ),
      );
      for (const run of runs) expect(run).toMatchObject({ code: 0, stderr: '' });
      const listed = await runEntryPoint('apps/cli/main.ts', ['api-keys', 'list'], { TENANTRY_DATA_DIR: fresh });
      expect(listed.stdout.trim().split('\n')).toHaveLength(3);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it('keeps its data across a restart', async () => {
    const { platform, baseUrl } = await start();
    try {
      const listed = await runEntryPoint('apps/cli/main.ts', ['api-keys', 'list'], { TENANTRY_DATA_DIR: dataDir });
      expect(listed.code).toBe(0);
      expect(listed.stdout).toMatch(/admin\s+active\s+first/);
      // The simulator comes back on its port: the links handed out before still lead there.
      expect(platform.output()).toContain(`entra-sim at ${simulatorOrigin}`);
      expect((await fetch(`${baseUrl}/health/ready`)).status).toBe(200);
    } finally {
      expect(await platform.stop('SIGINT')).toBe(0);
    }
  });
});

/** The same entry point on the machine's real servers, as production runs it. */
describe('npm start with DATABASE_URL and REDIS_URL', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(() => database.drop());

  it('is ready on PostgreSQL and Redis', async () => {
    const port = await freePort();
    const platform = startEntryPoint('apps/standalone/main.ts', {
      PORT: String(port),
      DATABASE_URL: database.url,
      REDIS_URL: process.env.TEST_REDIS_URL as string,
      QUEUE_PREFIX: uniqueQueuePrefix(),
      TENANTRY_DATA_DIR: join(tmpdir(), `tenantry-sim-${port}`),
    });
    try {
      await platform.waitFor(/Tenantry is running/, 90_000);
      expect(platform.output()).toContain('database       DATABASE_URL');
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ info: { database: { status: 'up' }, queue: { backend: 'redis' } } });
    } finally {
      expect(await platform.stop('SIGTERM')).toBe(0);
    }
  });
});
