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
  // Other processes on this machine (the CLI making an onboarding link) find it here.
  const discoveryPath = join(config.database.dataDir, 'sim', DISCOVERY_FILE);
  await writeFile(`${discoveryPath}.${process.pid}.tmp`, JSON.stringify({ pid: process.pid, identity }));
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

/**
 * The simulator another process on this machine runs in simulator mode (`npm start`), if any:
 * how a short-lived process such as the CLI talks to the same identity platform.
 */
export async function findRunningSimulator(config: AppConfig): Promise<IdentityPlatform | undefined> {
  try {
    const { pid, identity } = JSON.parse(
      await readFile(join(config.database.dataDir, 'sim', DISCOVERY_FILE), 'utf8'),
    ) as { pid: number; identity: IdentityPlatform };
    process.kill(pid, 0);
    return identity;
  } catch {
    return undefined;
  }
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
