import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import {
  createPostgresBackend,
  Processor,
  type Metrics,
  MetricsTime,
  Queue,
  QueueOptions,
  Worker,
  WorkerOptions,
  type PostgresPoolConfig,
} from 'bullmq';
import IORedis from 'ioredis';
import pg from 'pg';
import type { AppConfig } from '@tenantry/config';
import { APP_CONFIG } from '@tenantry/config';
import { DatabaseServer, ResilientClient } from '@tenantry/database';
import { QueueName } from './queue-name';

export type QueueBackendKind = 'redis' | 'postgres';

type QueueSettings = Omit<QueueOptions, 'connection' | 'prefix'>;

/** A queue as operators see it: BullMQ's counts, and jobs finished per minute (BullMQ metrics). */
export interface QueueStatus {
  readonly name: QueueName;
  readonly counts: Readonly<Record<string, number>>;
  /**
   * Jobs that finished (completed or failed), fleet-wide: since BullMQ began counting (a counter
   * to take rates from), and in the last 1, 5 and 60 minutes.
   */
  readonly finished: {
    readonly total: number;
    /** Null where the backend does not say when its last minute ended (BullMQ's PostgreSQL backend). */
    readonly lastMinute: number | null;
    readonly last5Minutes: number | null;
    readonly lastHour: number | null;
  };
  readonly failed: { readonly lastHour: number | null };
  /**
   * Worker connections serving it now (processes × queues). Null on the embedded database, where
   * every connection shares one session and BullMQ cannot tell its workers apart.
   */
  readonly workers: number | null;
}

const COUNTED_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;
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
  /** One Queue per name for reading status, made on first use. */
  private readonly readers = new Map<QueueName, Queue>();

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
      // BullMQ builds its LISTEN connection itself, as `new pg.Client()`, and attaches its error
      // listener only once connected: a server restart in between killed the process (seen in the
      // PostgreSQL-restart test). It reads `Client` from the pg module, so that is where ours goes.
      pg.Client = ResilientClient;
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
              metrics: { maxDataPoints: MetricsTime.ONE_HOUR },
              ...settings,
              connection: this.connection.pool,
            },
            createPostgresBackend,
          ) as unknown as Worker)
        : new Worker(name, processor, {
            // Per-minute finished counts for the last hour: the queues' throughput operators see.
            metrics: { maxDataPoints: MetricsTime.ONE_HOUR },
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

  /** Every queue's counts, throughput and workers, as BullMQ knows them. */
  async status(): Promise<QueueStatus[]> {
    return Promise.all(
      Object.values(QueueName).map(async (name) => {
        const queue = this.readerOf(name);
        const [counts, completed, failed, workers] = await Promise.all([
          queue.getJobCounts(...COUNTED_STATES),
          queue.getMetrics('completed', 0, MetricsTime.ONE_HOUR - 1),
          queue.getMetrics('failed', 0, MetricsTime.ONE_HOUR - 1),
          this.workersOf(name),
        ]);
        const now = Date.now();
        const finishedWithin = (minutes: number) => {
          const [ok, failures] = [finishedInLast(completed, minutes, now), finishedInLast(failed, minutes, now)];
          return ok === null || failures === null ? null : ok + failures;
        };
        return {
          name,
          counts,
          finished: {
            total: completed.meta.count + failed.meta.count,
            lastMinute: finishedWithin(1),
            last5Minutes: finishedWithin(5),
            lastHour: finishedWithin(MetricsTime.ONE_HOUR),
          },
          failed: { lastHour: finishedInLast(failed, MetricsTime.ONE_HOUR, now) },
          workers,
        };
      }),
    );
  }

  /** Worker processes serving the queue; null where BullMQ cannot tell them apart (embedded PGlite). */
  async workersOf(name: QueueName): Promise<number | null> {
    return this.embedded ? null : this.readerOf(name).getWorkersCount();
  }

  /** Proves the backend answers; used by the readiness check. */
  async ping(): Promise<void> {
    if (this.connection.kind === 'redis') {
      await this.connection.redis.ping();
      return;
    }
    await this.readerOf(QueueName.System).getJobCounts('waiting');
  }

  private readerOf(name: QueueName): Queue {
    let reader = this.readers.get(name);
    if (!reader) {
      reader = this.createQueue(name);
      this.readers.set(name, reader);
    }
    return reader;
  }

  /** Stops taking new work, lets running jobs finish within the deadline, then closes queues. */
  async onModuleDestroy(): Promise<void> {
    const deadline = this.config.shutdownTimeoutMs / 2;
    await Promise.all([...this.workers].map((worker) => closeWithin(worker, deadline)));
    await Promise.all([...this.queues].map((queue) => queue.close()));
    this.workers.clear();
    this.queues.clear();
    this.readers.clear();
    if (this.connection.kind === 'redis') {
      const { redis } = this.connection;
      await redis.quit().catch(() => redis.disconnect());
    }
  }
}

/**
 * Jobs finished in the last `minutes` minutes from BullMQ's metrics. BullMQ counts every finished
 * job at once (`meta.count`) but writes a minute's data point only when a job finishes in a later
 * minute: the jobs since `meta.prevTS` are in no data point yet, and `data[i]` (newest first)
 * holds the minute `i + 1` before prevTS's. Without `prevTS` the data points cannot be placed in
 * time (BullMQ's PostgreSQL backend does not report it): null, unknown, rather than a figure that
 * would keep showing old work after the queue went idle. Zero before anything finished.
 */
export function finishedInLast(metrics: Metrics, minutes: number, now: number): number | null {
  const sum = (points: number[]) => points.reduce((total, n) => total + n, 0);
  if (metrics.meta.prevTS === 0) return metrics.meta.count === 0 ? 0 : null;
  // A clock ahead of ours (the worker that wrote prevTS) must not make the last minute look older.
  const age = Math.max(0, Math.floor(now / 60_000) - Math.floor(metrics.meta.prevTS / 60_000));
  const sincePrevious = age < minutes ? metrics.meta.count - metrics.meta.prevCount : 0;
  return sincePrevious + sum(metrics.data.slice(0, Math.max(0, minutes - age - 1)));
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
