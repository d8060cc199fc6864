import { ConfidentialClientApplication } from '@azure/msal-node';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@tenantry/config';
import {
  HttpsCaNetworkModule,
  type ResolvedIdentityPlatform,
  resolveIdentityPlatform,
  type RunningEntraSim,
} from '@tenantry/entra-sim';
import { SimHttp } from './support/sim-http';

interface DeltaPage {
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
  value: { id: string }[];
}

/**
 * `npm start` in simulator mode, stopped and started again: the simulator is this machine's
 * stand-in for Entra ID, so what an admin did there (a consent) and where it lives (the port the
 * onboarding and delta links lead to) outlast the restart; its delta tokens do not.
 */
describe('the embedded simulator across a restart', () => {
  let dataDir: string;
  const running: ResolvedIdentityPlatform[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tenantry-embedded-sim-'));
  });

  // Each case leaves no simulator saving over the next one's files.
  afterEach(async () => {
    for (const platform of running.splice(0)) await platform.stop();
  });

  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  const start = async () => {
    const platform = await resolveIdentityPlatform(
      loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', TENANTRY_DATA_DIR: dataDir }),
    );
    running.push(platform);
    return platform.simulator as RunningEntraSim;
  };

  const statePath = () => join(dataDir, 'sim', 'embedded-simulator-state.json');
  const savedState = () => readFile(statePath(), 'utf8').catch(() => '');
  const waitFor = async (condition: () => Promise<boolean>) => {
    for (const deadline = Date.now() + 10_000; !(await condition());) {
      if (Date.now() > deadline) throw new Error('timed out');
      await sleep(50);
    }
  };

  /** A token for the demo app in the tenant, from this simulator's token endpoint. */
  const tokenFor = async (sim: RunningEntraSim, tenantId: string) => {
    const network = new HttpsCaNetworkModule({ ca: sim.caCertPem });
    try {
      const app = new ConfidentialClientApplication({
        auth: {
          clientId: sim.demo.clientId,
          clientSecret: sim.demo.clientSecret,
          authority: `${sim.authorityHost}/${tenantId}`,
          knownAuthorities: [sim.knownAuthority],
        },
        system: { networkClient: network },
      });
      const result = await app.acquireTokenByClientCredential({ scopes: [`${sim.demo.resource}/.default`] });
      return result!.accessToken;
    } finally {
      network.destroy();
    }
  };

  it('comes back on its port with the consents admins granted, and refuses the delta links it gave before', async () => {
    const first = await start();
    const northwind = first.demo.tenants.find((tenant) => tenant.displayName.startsWith('Northwind'))!;
    expect(northwind.consented).toBe(false);
    // As the admin's Accept on the consent page does.
    first.state.grantConsent(northwind.tenantId, first.demo.clientId);
    const http = new SimHttp(first.caCertPem);
    let deltaLink: string | undefined;
    try {
      const bearer = { authorization: `Bearer ${await tokenFor(first, northwind.tenantId)}` };
      for (let link = `${first.graphBaseUrl}/users/delta`; !deltaLink;) {
        const page = (await http.get<DeltaPage>(link, bearer)).json;
        deltaLink = page['@odata.deltaLink'];
        link = page['@odata.nextLink'] ?? link;
      }
      // Saved as it changes, not only at a clean stop: a crash keeps it too.
      const born = first.state.upsertUser(northwind.tenantId, { displayName: 'Born before the restart' });
      await waitFor(async () => (await savedState()).includes(born.id));
      // Whatever the control API did to the demo app, the platform finds it as the code describes it.
      first.state.setAppDisabled(first.demo.clientId, true);
      await running.pop()!.stop();
      // It holds the demo app's secret: its owner's to read only.
      expect((await stat(join(dataDir, 'sim', 'embedded-simulator-state.json'))).mode & 0o777).toBe(0o600);

      const second = await start();
      expect(second.authorityHost).toBe(first.authorityHost);
      expect(second.demo.tenants.find((tenant) => tenant.tenantId === northwind.tenantId)).toMatchObject({
        consented: true,
      });
      const again = { authorization: `Bearer ${await tokenFor(second, northwind.tenantId)}` };
      const stale = await http.get<{ error: { code: string } }>(deltaLink, again);
      expect(stale.status).toBe(410);
      expect(stale.json.error.code).toBe('syncStateNotFound');
      expect((await http.get<DeltaPage>(`${second.graphBaseUrl}/users/delta`, again)).status).toBe(200);
      expect(second.state.listUsers(northwind.tenantId).map((user) => user.id)).toContain(born.id);
    } finally {
      http.destroy();
    }
  });
  it('refuses to run a second simulator on a data directory whose simulator another process runs', async () => {
    // As another npm start on this directory leaves it: its pid, alive (this test's parent).
    const discovery = join(dataDir, 'sim', 'embedded-simulator.json');
    await writeFile(discovery, JSON.stringify({ pid: process.ppid }));
    try {
      await expect(start()).rejects.toThrow(/Another Tenantry process \(pid \d+\) runs the simulator/);
    } finally {
      await rm(discovery);
    }
  });

  it('starts the demo afresh from a saved state it cannot read, and keeps that file aside', async () => {
    await writeFile(statePath(), '{"version": 1, "port": "not a port"');
    const sim = await start();
    expect(sim.demo.tenants.find((tenant) => tenant.displayName.startsWith('Northwind'))).toMatchObject({
      consented: false,
    });
    expect((await readdir(join(dataDir, 'sim'))).some((name) => name.includes('state.json.unreadable-'))).toBe(true);
  });
});
