import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AppConfig, type AzureCredential, type IdentityPlatform, identityPlatformOf } from '@tenantry/config';
import { DEMO_REQUIRED_ROLES } from './directory/demo-seed';
import { startEntraSim } from './start-entra-sim';
import type { RunningEntraSim } from './entra-sim-options';

export interface ResolvedIdentityPlatform {
  readonly identity: IdentityPlatform;
  /** Set in simulator mode: the simulator this process runs. */
  readonly simulator: RunningEntraSim | undefined;
  stop(): Promise<void>;
}

/**
 * For entry points: the identity platform the configuration names, or — in simulator mode — an
 * entra-sim started in this process with the demo app and tenants, described in exactly the terms
 * a real Entra ID app would be (authority host, client id, secret, trusted CA).
 */
export async function resolveIdentityPlatform(config: AppConfig): Promise<ResolvedIdentityPlatform> {
  if (config.azure.mode === 'entra') {
    return { identity: identityPlatformOf(config), simulator: undefined, stop: async () => undefined };
  }
  const simulator = await startEntraSim({ port: 0, tlsDir: join(config.database.dataDir, 'sim'), seed: 'demo' });
  const identity = identityPlatformOfSimulator(simulator);
  // Other processes on this machine (the CLI making an onboarding link) find it here, and the
  // URL this platform is reached at (where an admin's consent must come back to).
  const discoveryPath = join(config.database.dataDir, 'sim', DISCOVERY_FILE);
  const running: RunningPlatform = { identity, publicBaseUrl: config.http.publicBaseUrl };
  await writeFile(`${discoveryPath}.${process.pid}.tmp`, JSON.stringify({ pid: process.pid, ...running }));
  await rename(`${discoveryPath}.${process.pid}.tmp`, discoveryPath);
  return {
    identity,
    simulator,
    stop: async () => {
      await rm(discoveryPath, { force: true });
      await simulator.stop();
    },
  };
}

const DISCOVERY_FILE = 'embedded-simulator.json';

/** A platform running in simulator mode on this machine, as other processes find it. */
export interface RunningPlatform {
  /** The simulator it runs, in the terms of a real Entra ID app. */
  readonly identity: IdentityPlatform;
  /** Where it is reached (its `PUBLIC_BASE_URL`): onboarding links must lead back there. */
  readonly publicBaseUrl: string;
}

/**
 * The platform another process on this machine runs in simulator mode (`npm start`), if any:
 * how a short-lived process such as the CLI talks to the same identity platform, and sends
 * admins back to that platform whatever port it was started on.
 */
export async function findRunningPlatform(config: AppConfig): Promise<RunningPlatform | undefined> {
  try {
    const { pid, identity, publicBaseUrl } = JSON.parse(
      await readFile(join(config.database.dataDir, 'sim', DISCOVERY_FILE), 'utf8'),
    ) as { pid: number } & RunningPlatform;
    process.kill(pid, 0);
    return { identity, publicBaseUrl };
  } catch {
    return undefined;
  }
}

/** The simulator of the platform running in simulator mode on this machine, if any. */
export async function findRunningSimulator(config: AppConfig): Promise<IdentityPlatform | undefined> {
  return (await findRunningPlatform(config))?.identity;
}

/** The simulator's demo app (or another credential of it) in the terms of a real Entra ID app. */
export function identityPlatformOfSimulator(
  simulator: RunningEntraSim,
  credential?: AzureCredential,
): IdentityPlatform {
  return {
    clientId: simulator.demo.clientId,
    credential: credential ?? { kind: 'secret', secret: simulator.demo.clientSecret },
    authorityHost: simulator.authorityHost,
    graphBaseUrl: simulator.graphBaseUrl,
    resource: simulator.demo.resource,
    knownAuthorities: [simulator.knownAuthority],
    extraCaPem: simulator.caCertPem,
    requiredAppRoles: [...DEMO_REQUIRED_ROLES],
  };
}
