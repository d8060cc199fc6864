import { Inject, Injectable } from '@nestjs/common';
import { type AppConfig, APP_CONFIG } from '@tenantry/config';
import { TenantRegistry } from '@tenantry/tenants';
import { DispatchSignal } from './dispatch-signal';
import { EnqueuedRun, JobRunStore } from './job-run.store';
import { JobTypeRegistry } from './job-type.registry';

export interface JobRequest {
  readonly type: string;
  readonly payload?: unknown;
  /** A second enqueue with the same key (per tenant) returns the first run instead. */
  readonly idempotencyKey?: string;
}

export interface EnqueueOptions {
  /** Who asks, for the run history: `api:<key id>`, `cli`, `schedule:<id>`; `code` by default. */
  readonly enqueuedBy?: string;
}

/**
 * Enqueueing, from code, the operator API and the CLI alike. Runs wait in PostgreSQL until the
 * dispatcher hands them to BullMQ; a tenant that is not active keeps them queued (held).
 */
@Injectable()
export class Jobs {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly types: JobTypeRegistry,
    private readonly store: JobRunStore,
    private readonly tenants: TenantRegistry,
    private readonly signal: DispatchSignal,
  ) {}

  async enqueue(tenantId: string, request: JobRequest, options: EnqueueOptions = {}): Promise<EnqueuedRun> {
    const [run] = await this.enqueueMany(tenantId, [request], options);
    return run;
  }

  /** All or nothing: one invalid payload, or the tenant's queue cap, refuses the whole batch. */
  async enqueueMany(
    tenantId: string,
    requests: readonly JobRequest[],
    options: EnqueueOptions = {},
  ): Promise<EnqueuedRun[]> {
    // Unknown tenants are refused here; offboarded ones by the store, under the tenant's row lock.
    const tenant = await this.tenants.get(tenantId);
    const runs = requests.map((request) => ({
      type: request.type,
      payload: this.types.parsePayload(request.type, request.payload),
      idempotencyKey: request.idempotencyKey,
      maxAttempts: this.types.get(request.type).options.attempts,
    }));
    const enqueued = await this.store.enqueue(
      tenant.tenantId,
      runs,
      options.enqueuedBy ?? 'code',
      tenant.maxQueuedJobs ?? this.config.jobs.tenantMaxQueued,
    );
    if (enqueued.some((run) => run.created)) this.signal.wake();
    return enqueued;
  }

  /**
   * Stops a run that has not finished. No wake: a cancelled running run keeps its worker busy
   * until the next heartbeat aborts it, so its slot is not free any sooner.
   */
  cancel(id: string): Promise<void> {
    return this.store.cancel(id);
  }

  /** Queues a failed or cancelled run again, from its first attempt. */
  async retry(id: string): Promise<void> {
    await this.store.retry(id);
    this.signal.wake();
  }
}
