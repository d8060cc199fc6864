import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { ProtocolSequenceQueue } from './protocol-sequence-queue';

interface DiscoveryFile {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
}

/**
 * The embedded default: a real PostgreSQL (PGlite) served over the wire protocol, so the same
 * `pg` driver, TypeORM and migrations run as against a server. PGlite is single-process, so the
 * process that opened the data directory writes where it listens; a second process (the CLI
 * while `npm start` runs) connects there instead of opening the directory twice.
 */
export class EmbeddedPostgres {
  private constructor(
    readonly url: string,
    private readonly owned?: { db: PGlite; server: PGLiteSocketServer; discoveryPath: string; lockPath: string },
  ) {}

  /** Whether this process opened the data directory (and so must close it). */
  get isOwner(): boolean {
    return this.owned !== undefined;
  }

  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    const root = resolve(dataDir);
    const discoveryPath = join(root, 'embedded-postgres.json');
    const lockPath = join(root, 'embedded-postgres.lock');
    await mkdir(root, { recursive: true });
    const deadline = Date.now() + OWNER_WAIT_MS;
    // Whoever creates the lock file opens the data directory; everyone else waits until the owner
    // says where it listens. Opening it twice would corrupt it.
    for (;;) {
      const running = await findRunning(discoveryPath);
      if (running) return new EmbeddedPostgres(urlOf(running));
      if (await takeLock(lockPath)) break;
      if (Date.now() > deadline) {
        throw new Error(
          `The embedded database in ${root} is held by another process (see ${lockPath}); stop it or set DATABASE_URL.`,
        );
      }
      await sleep(100);
    }

    const db = await PGlite.create(join(root, 'pgdata'));
    // Connections are multiplexed onto PGlite's one session; a pool plus BullMQ's LISTEN client
    // and the CLI fit comfortably.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 64 });
    // pglite-socket has no option for its scheduler; its handlers take whatever queue the server
    // holds when a connection arrives, so ours goes in before the server starts.
    (server as unknown as { queryQueue: ProtocolSequenceQueue }).queryQueue = new ProtocolSequenceQueue(db);
    await server.start();
    const [host, port] = server.getServerConn().split(':');
    const discovery: DiscoveryFile = { pid: process.pid, host, port: Number(port) };
    // Written whole, then renamed: a reader never sees half a file.
    const draft = `${discoveryPath}.${process.pid}.tmp`;
    await writeFile(draft, JSON.stringify(discovery));
    await rename(draft, discoveryPath);
    return new EmbeddedPostgres(urlOf(discovery), { db, server, discoveryPath, lockPath });
  }

  async stop(): Promise<void> {
    if (!this.owned) return;
    await rm(this.owned.discoveryPath, { force: true });
    // Our own clients are closed by now; let another process attached to us (a CLI command)
    // finish rather than cut its connection, for a little while.
    const deadline = Date.now() + ATTACHED_CLIENTS_GRACE_MS;
    while (this.owned.server.getStats().activeConnections > 0 && Date.now() < deadline) await sleep(50);
    await this.owned.server.stop();
    await this.owned.db.close();
    await rm(this.owned.lockPath, { force: true });
  }
}

const OWNER_WAIT_MS = 60_000;
const ATTACHED_CLIENTS_GRACE_MS = 10_000;

/** Creates the lock file for this process; clears one left by a process that died. */
async function takeLock(lockPath: string): Promise<boolean> {
  try {
    await writeFile(lockPath, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(await readFile(lockPath, 'utf8').catch(() => ''));
  if (!Number.isInteger(holder) || holder <= 0 || !isAlive(holder)) await rm(lockPath, { force: true });
  return false;
}

function urlOf({ host, port }: DiscoveryFile): string {
  return `postgres://postgres@${host}:${port}/postgres`;
}

async function findRunning(discoveryPath: string): Promise<DiscoveryFile | undefined> {
  let discovery: DiscoveryFile;
  try {
    discovery = JSON.parse(await readFile(discoveryPath, 'utf8')) as DiscoveryFile;
  } catch {
    return undefined;
  }
  if (discovery.pid === process.pid || !isAlive(discovery.pid)) return undefined;
  return (await canConnect(discovery.host, discovery.port)) ? discovery : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host, port, timeout: 1000 });
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
    socket.once('timeout', () => (socket.destroy(), done(false)));
  });
}
