import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApplicationCredentialHealth } from '@tenantry/identity';
import { JobRuntimeStatus } from '@tenantry/jobs';
import { QueueBackend } from '@tenantry/queue';
import { ApplicationHealthDto, DependencyHealthDto } from './application-health.dto';
import { answerWithin } from './answer-within';

const CHECK_TIMEOUT_MS = 2000;

/**
 * The application as an operator sees it: each dependency's latency or error, the app credential
 * (this process's view and the fleet-wide hold a worker put on every job), workers per queue, and
 * whether any of it needs someone ("degraded").
 */
@Injectable()
export class ApplicationHealth {
  constructor(
    private readonly dataSource: DataSource,
    private readonly queues: QueueBackend,
    private readonly credential: ApplicationCredentialHealth,
    private readonly runtime: JobRuntimeStatus,
  ) {}

  async check(): Promise<ApplicationHealthDto> {
    const [database, queueBackend] = await Promise.all([
      timed(() => this.dataSource.query('SELECT 1')),
      timed(() => this.queues.ping()),
    ]);
    const [queues, state] = await Promise.all([
      queueBackend.status === 'up' ? this.queues.status().catch(() => []) : [],
      database.status === 'up' ? this.runtime.state().catch(() => undefined) : undefined,
    ]);
    const current = this.credential.current();
    const hold = state?.holds.find((entry) => entry.scope === 'application');
    const workers = queues.map((queue) => ({ queue: queue.name, workers: queue.workers }));
    const degraded =
      database.status === 'down' ||
      queueBackend.status === 'down' ||
      current.status === 'failing' ||
      hold !== undefined ||
      workers.some((entry) => entry.workers === 0);
    return {
      status: degraded ? 'degraded' : 'ok',
      database,
      queueBackend: { ...queueBackend, kind: this.queues.kind },
      credential: {
        status: current.status,
        code: current.code,
        aadsts: current.aadsts,
        failingSince: current.failingSince?.toISOString() ?? null,
        lastSuccessAt: current.lastSuccessAt?.toISOString() ?? null,
        usingSecondary: current.usingSecondary,
        jobsHeldUntil: hold?.until.toISOString() ?? null,
        jobsHeldReason: hold?.reason ?? null,
      },
      workers,
      uptimeSeconds: Math.round(process.uptime()),
    };
  }
}

/** Runs a check within the timeout; a failure is reported by its message, never thrown. */
async function timed(check: () => Promise<unknown>): Promise<DependencyHealthDto> {
  const started = performance.now();
  const latencyMs = () => Math.round((performance.now() - started) * 10) / 10;
  try {
    await answerWithin(check(), CHECK_TIMEOUT_MS);
    return { status: 'up', latencyMs: latencyMs(), error: null };
  } catch (error) {
    return { status: 'down', latencyMs: latencyMs(), error: error instanceof Error ? error.message : String(error) };
  }
}
