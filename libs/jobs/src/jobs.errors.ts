import { DomainError } from '@tenantry/errors';

export class UnknownJobTypeError extends DomainError {
  readonly code = 'unknown_job_type';
  readonly kind = 'invalid';

  constructor(readonly type: string) {
    super(`There is no job type named "${type}".`, { type });
  }
}

export class InvalidJobPayloadError extends DomainError {
  readonly code = 'invalid_job_payload';
  readonly kind = 'invalid';

  constructor(type: string, problems: readonly string[]) {
    super(`The payload does not fit job type "${type}": ${problems.join('; ')}.`, { type, problems });
  }
}

/** Backpressure: the tenant already has as many queued jobs as it may. */
export class TooManyQueuedJobsError extends DomainError {
  readonly code = 'too_many_queued_jobs';
  readonly kind = 'rate_limited';

  constructor(tenantId: string, queued: number, limit: number) {
    super(`Tenant ${tenantId} has ${queued} queued jobs; its limit is ${limit}. Try again once some have run.`, {
      tenantId,
      queued,
      limit,
    });
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'idempotency_key_reused';
  readonly kind = 'conflict';

  constructor(tenantId: string, key: string, existingType: string) {
    super(`Idempotency key "${key}" of tenant ${tenantId} already names a job of type "${existingType}".`, {
      tenantId,
      existingType,
    });
  }
}

export class TenantNotAcceptingJobsError extends DomainError {
  readonly code = 'tenant_not_accepting_jobs';
  readonly kind = 'conflict';

  constructor(tenantId: string, status: string) {
    super(`Tenant ${tenantId} is ${status}: it takes no new jobs.`, { tenantId, status });
  }
}

export class JobRunNotFoundError extends DomainError {
  readonly code = 'job_run_not_found';
  readonly kind = 'not_found';

  constructor(runId: string) {
    super(`There is no job run ${runId}.`, { runId });
  }
}

/**
 * Thrown by a handler (or the Graph client) when the tenant is throttled: the run goes back to
 * the queue without using an attempt, and only this tenant's jobs wait until `retryAfterMs`.
 */
export class TenantThrottledError extends DomainError {
  readonly code = 'tenant_throttled';
  readonly kind = 'unavailable';

  constructor(
    readonly retryAfterMs: number,
    readonly reason = 'throttled',
  ) {
    super(`The tenant is throttled (${reason}); its jobs wait ${retryAfterMs} ms.`, { retryAfterMs, reason });
  }
}

/** The attempt ran past its type's `timeoutMs`. */
export class JobTimeoutError extends DomainError {
  readonly code = 'job_timeout';
  readonly kind = 'unavailable';

  constructor(timeoutMs: number) {
    super(`The job did not finish within ${timeoutMs} ms.`, { timeoutMs });
  }
}

export class JobRunNotCancellableError extends DomainError {
  readonly code = 'job_run_not_cancellable';
  readonly kind = 'conflict';

  constructor(runId: string, status: string) {
    super(`Job run ${runId} is ${status}: only a queued, dispatched or running run can be cancelled.`, {
      runId,
      status,
    });
  }
}

export class JobRunNotRetryableError extends DomainError {
  readonly code = 'job_run_not_retryable';
  readonly kind = 'conflict';

  constructor(runId: string, status: string) {
    super(`Job run ${runId} is ${status}: only a failed or cancelled run can be retried.`, { runId, status });
  }
}

export class InvalidScheduleError extends DomainError {
  readonly code = 'invalid_schedule';
  readonly kind = 'invalid';

  constructor(problem: string) {
    super(`The schedule cannot be used: ${problem}.`, { problem });
  }
}

export class JobScheduleNotFoundError extends DomainError {
  readonly code = 'job_schedule_not_found';
  readonly kind = 'not_found';

  constructor(scheduleId: string) {
    super(`There is no schedule ${scheduleId}.`, { scheduleId });
  }
}

/** The worker stopped (a deploy, a scale-down) while the job ran; it is not the job's failure. */
export class WorkerShutdownError extends DomainError {
  readonly code = 'worker_shutdown';
  readonly kind = 'unavailable';

  constructor() {
    super('The worker shut down while the job ran; it runs again on another worker.');
  }
}
