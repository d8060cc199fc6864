import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import {
  createPostgresBackend,
  Processor,
  Queue,
  QueueOptions,
  Worker,
  WorkerOptions,
  type PostgresPoolConfig,
} from 'bullmq';
import IORedis from 'ioredis';
import type { AppConfig } from '@tenantry/config';
import { APP_CONFIG } from '@tenantry/config';
import { DatabaseServer, ResilientClient } from '@tenantry/database';
import { QueueName } from './queue-name';

export type QueueBackendKind = 'redis' | 'postgres';

type QueueSettings = Omit<QueueOptions, 'connection' | 'prefix'>;
type WorkerSettings = Omit<WorkerOptions, 'connection' | 'prefix'>;

/**
 * How long (seconds) an idle worker waits before looking for jobs again on the embedded database.
 * BullMQ's PostgreSQL backend wakes workers with LISTEN/NOTIFY, but PGlite multiplexes every
 * connection onto one session and the notification does not reach the listener's socket, so a
 * worker would otherwise notice a new job only after BullMQ's default 5 s. One cheap query per
 * worker per half second is nothing next to that on a single-process install.
 */
const EMBEDDED_DRAIN_DELAY_SECONDS = 0.5;

/**
 * Where BullMQ keeps its queues: Redis when `REDIS_URL` is set, otherwise BullMQ's PostgreSQL
 * backend in the platform's own database. Everything that makes a Queue or a Worker asks here,
 * so the rest of the code never knows which one it is on, and shutdown closes them all.
 */
@Injectable()
export class QueueBackend implements OnModuleDestroy {
  readonly kind: QueueBackendKind;
  private readonly logger = new Logger(QueueBackend.name);
  private readonly connection: { kind: 'redis'; redis: IORedis } | { kind: 'postgres'; pool: PostgresPoolConfig };
  private readonly embedded: boolean;
  private readonly queues = new Set<Queue>();
  private readonly workers = new Set<Worker>();
  private probe: Queue | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    database: DatabaseServer,
  ) {
    if (config.queue.redisUrl !== undefined) {
      // BullMQ workers need maxRetriesPerRequest: null so a Redis restart pauses them instead of
      // failing their blocking calls.
      const redis = new IORedis(config.queue.redisUrl, { maxRetriesPerRequest: null });
      redis.on('error', (error: Error) => this.logger.warn(`Redis: ${error.message}`));
      this.connection = { kind: 'redis', redis };
    } else {
      // PGlite multiplexes every connection onto one session, so the embedded database must keep
      // BullMQ's tables in `public` (a per-connection search_path cannot hold there).
      const schema = database.isEmbedded ? 'public' : config.queue.prefix;
      // BullMQ hands the rest of this object to pg's Pool: its connections, like ours, must not
      // crash the process when the server ends their session.
      const pool = { connectionString: database.url, schema, migrate: true, max: 5, Client: ResilientClient };
      this.connection = { kind: 'postgres', pool: pool as PostgresPoolConfig };
    }
    this.kind = this.connection.kind;
    this.embedded = database.isEmbedded;
  }

  createQueue(name: string, settings: QueueSettings = {}): Queue {
    // Both backends expose the same Queue API; only the constructor's generics differ.
    const queue =
      this.connection.kind === 'postgres'
        ? (new Queue(
            name,
            { ...settings, connection: this.connection.pool },
            createPostgresBackend,
          ) as unknown as Queue)
        : new Queue(name, { ...settings, connection: this.connection.redis, prefix: this.config.queue.prefix });
    this.queues.add(queue);
    return queue;
  }

  createWorker(name: string, processor: Processor, settings: WorkerSettings = {}): Worker {
    const worker =
      this.connection.kind === 'postgres'
        ? (new Worker(
            name,
            processor,
            {
              ...(this.embedded ? { drainDelay: EMBEDDED_DRAIN_DELAY_SECONDS } : {}),
              ...settings,
              connection: this.connection.pool,
            },
            createPostgresBackend,
          ) as unknown as Worker)
        : new Worker(name, processor, {
            ...settings,
            connection: this.connection.redis,
            prefix: this.config.queue.prefix,
          });
    worker.on('error', (error: Error) => this.logger.warn(`Worker ${name}: ${error.message}`));
    this.workers.add(worker);
    return worker;
  }

  /** Whether this process serves the queue (`WORKER_QUEUES`; unset means all). */
  serves(queue: QueueName): boolean {
    const served = this.config.queue.workerQueues;
    return served === undefined || served.includes(queue);
  }

  /** Proves the backend answers; used by the readiness check. */
  async ping(): Promise<void> {
    if (this.connection.kind === 'redis') {
      await this.connection.redis.ping();
      return;
    }
    this.probe ??= this.createQueue(QueueName.System);
    await this.probe.getJobCounts('waiting');
  }

  /** Stops taking new work, lets running jobs finish within the deadline, then closes queues. */
  async onModuleDestroy(): Promise<void> {
    const deadline = this.config.shutdownTimeoutMs / 2;
    await Promise.all([...this.workers].map((worker) => closeWithin(worker, deadline)));
    await Promise.all([...this.queues].map((queue) => queue.close()));
    this.workers.clear();
    this.queues.clear();
    if (this.connection.kind === 'redis') {
      const { redis } = this.connection;
      await redis.quit().catch(() => redis.disconnect());
    }
  }
}

// worker.close() waits for running jobs with no deadline of its own; past ours, force it (the
// jobs stay in BullMQ as stalled and are picked up again: delivery is at least once).
async function closeWithin(worker: Worker, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  const outcome = await Promise.race([worker.close().then(() => 'closed' as const), timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout') await worker.close(true);
}
