import { Logger } from '@nestjs/common';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AppConfig, type AzureCredential, type IdentityPlatform, identityPlatformOf } from '@tenantry/config';
import { demoApp, DEMO_REQUIRED_ROLES } from './directory/demo-seed';
import { startEntraSim } from './start-entra-sim';
import type { SimSeed } from './directory/sim-seed';
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
  const simDir = join(config.database.dataDir, 'sim');
  const discoveryPath = join(simDir, DISCOVERY_FILE);
  // One simulator per data directory: a second would save its own port and directory over the
  // first one's.
  const other = (await liveDiscovery(discoveryPath))?.pid;
  if (other !== undefined && other !== process.pid) {
    throw new Error(
      `Another Tenantry process (pid ${other}) runs the simulator of ${config.database.dataDir}: stop it first, ` +
        `or set TENANTRY_DATA_DIR (if no such process is Tenantry, delete ${discoveryPath})`,
    );
  }
  const simulator = await startSaved(simDir, await loadSavedSimulator(simDir));
  const identity = identityPlatformOfSimulator(simulator);
  // Other processes on this machine (the CLI making an onboarding link) find it here, and the
  // URL this platform is reached at (where an admin's consent must come back to).
  const running: RunningPlatform = { identity, publicBaseUrl: config.http.publicBaseUrl };
  await writePrivately(discoveryPath, JSON.stringify({ pid: process.pid, ...running }));
  const persistence = persistSimulator(simDir, simulator);
  return {
    identity,
    simulator,
    stop: async () => {
      await rm(discoveryPath, { force: true });
      await simulator.stop();
      // Last, so that a consent given while it was stopping is kept too.
      await persistence.stop();
    },
  };
}

/**
 * What the embedded simulator keeps across restarts of `npm start`, as the real directory would:
 * its port (the onboarding links and delta links handed out lead there) and its directory (the
 * consents admins granted, the users). Delta tokens are not kept: a restarted simulator answers
 * them as Graph answers an expired one, and the next sync starts over. Deleting the file starts
 * the demo afresh.
 */
interface SavedSimulator {
  readonly version: typeof STATE_VERSION;
  readonly port: number;
  readonly directory: SimSeed;
}

const STATE_FILE = 'embedded-simulator-state.json';
const STATE_VERSION = 1;
const SAVE_EVERY_MS = 1000;
const logger = new Logger('Simulator');

async function loadSavedSimulator(simDir: string): Promise<SavedSimulator | undefined> {
  const path = join(simDir, STATE_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    // None yet: a fresh data directory starts from the demo seed.
    return undefined;
  }
  try {
    const saved = JSON.parse(text) as Partial<SavedSimulator>;
    if (
      saved.version === STATE_VERSION &&
      Number.isInteger(saved.port) &&
      typeof saved.directory === 'object' &&
      saved.directory !== null
    ) {
      return saved as SavedSimulator;
    }
  } catch {
    // Not JSON: set aside below, like any file this version cannot read.
  }
  const aside = `${path}.unreadable-${Date.now()}`;
  await rename(path, aside).catch(() => undefined);
  logger.warn(`The saved simulator state could not be read; starting from the demo seed (kept as ${aside})`);
  return undefined;
}

async function startSaved(simDir: string, saved: SavedSimulator | undefined): Promise<RunningEntraSim> {
  if (saved) {
    try {
      const simulator = await startEntraSim({ tlsDir: simDir, seed: saved.directory, port: saved.port });
      // The platform talks to the simulator as the demo app (its id, secret, roles): whatever
      // the control API did to it, it starts as this code describes it; consents are kept.
      simulator.state.upsertApp(demoApp());
      return simulator;
    } catch (error) {
      // The port is taken now, or the saved directory does not load: the demo on any free port
      // (links handed out before lead nowhere then).
      logger.warn(`The saved simulator could not start (${(error as Error).message}); starting the demo afresh`);
    }
  }
  return startEntraSim({ tlsDir: simDir, seed: 'demo', port: 0 });
}

/** Saves the simulator now, whenever its directory changes (a consent, a user), and when it stops. */
function persistSimulator(simDir: string, simulator: RunningEntraSim): { stop(): Promise<void> } {
  let savedKey: string | undefined;
  let failing = false;
  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    savedKey = simulator.state.changeKey();
    const state: SavedSimulator = {
      version: STATE_VERSION,
      port: simulator.port,
      directory: simulator.state.snapshot(),
    };
    saving = saving
      .then(() => writePrivately(join(simDir, STATE_FILE), JSON.stringify(state)))
      .then(
        () => {
          failing = false;
        },
        (error: unknown) => {
          // Tried again at the next change; said once, not every second.
          if (!failing) logger.warn(`Could not save the simulator state: ${(error as Error).message}`);
          failing = true;
          savedKey = undefined;
        },
      );
  };
  save();
  const timer = setInterval(() => {
    if (simulator.state.changeKey() !== savedKey) save();
  }, SAVE_EVERY_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      save();
      await saving;
    },
  };
}

/** The discovery file, if the process it names is alive. */
async function liveDiscovery(path: string): Promise<({ readonly pid: number } & RunningPlatform) | undefined> {
  try {
    const discovery = JSON.parse(await readFile(path, 'utf8')) as { pid: number } & RunningPlatform;
    process.kill(discovery.pid, 0);
    return discovery;
  } catch {
    return undefined;
  }
}

/** Replaces a file atomically, readable by its owner only: these files hold the demo app's secret. */
async function writePrivately(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o600 });
  await rename(temporary, path);
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
  const running = await liveDiscovery(join(config.database.dataDir, 'sim', DISCOVERY_FILE));
  return running && { identity: running.identity, publicBaseUrl: running.publicBaseUrl };
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
