import { applyDecorators, Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { z } from 'zod';
import type { TenantGraph } from '@tenantry/graph';
import type { AccessToken, GetTokenOptions } from '@tenantry/identity';

/** How a job type runs; every field but `name` and `payload` has a default. */
export interface JobTypeOptions<Schema extends z.ZodType = z.ZodType> {
  /** A persisted contract (runs and schedules carry it): never rename; add a new type instead. */
  readonly name: string;
  /** Validates payloads on enqueue. A payload is stored in clear: never a secret or a token. */
  readonly payload: Schema;
  /** Executions before a run lands in `failed` (default 3). */
  readonly attempts?: number;
  /** Exponential backoff with equal jitter between attempts (default from 1 s, capped at 10 min). */
  readonly backoff?: { readonly delayMs: number; readonly maxDelayMs?: number };
  /** The signal aborts and the attempt fails with `job_timeout` after this long (default 15 min). */
  readonly timeoutMs?: number;
  /** Runs of this type in flight per tenant, whatever the tenant's own limit (default: no cap). */
  readonly concurrencyPerTenant?: number;
  /** Created for every tenant when it becomes active (operators may change or disable it). */
  readonly defaultSchedule?: DefaultSchedule;
}

/** A recurring run: a cron expression read in `timezone` (default UTC), or a fixed interval. */
export type ScheduleTiming =
  | { readonly cron: string; readonly timezone?: string; readonly everyMs?: undefined }
  | { readonly everyMs: number; readonly cron?: undefined; readonly timezone?: undefined };

export type DefaultSchedule = ScheduleTiming & {
  readonly payload?: unknown;
  /** Also enqueue one run as soon as the tenant becomes active. */
  readonly onActivation?: boolean;
};

export type ResolvedJobTypeOptions = Required<Omit<JobTypeOptions, 'concurrencyPerTenant' | 'defaultSchedule'>> &
  Pick<JobTypeOptions, 'concurrencyPerTenant' | 'defaultSchedule'>;

/** What a handler gets besides its payload: who it runs for, and the platform's services. */
export interface JobContext {
  readonly tenantId: string;
  readonly runId: string;
  /** 1 for the first execution. */
  readonly attempt: number;
  /** Carries `tenantId`, `runId` and the job type on every line. */
  readonly logger: JobLogger;
  /** Aborted on timeout, on cancel and when the worker shuts down: stop and throw. */
  readonly signal: AbortSignal;
  /** An app-only token for this tenant (Microsoft Graph unless `resource` says otherwise). */
  getToken(options?: Pick<GetTokenOptions, 'forceRefresh'>): Promise<AccessToken>;
  /**
   * Microsoft Graph as the app in this tenant, aborted with `signal`. Its throttling makes only
   * this tenant's jobs wait (the run goes back to the queue without using an attempt).
   */
  readonly graph: TenantGraph;
  /** Replaces the run's progress counters (e.g. `{ pages: 3, users: 300 }`); cheap to call often. */
  progress(counters: Record<string, number>): void;
}

/** A logger whose every line carries the run's tenant, run id and type. */
export interface JobLogger {
  log(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

/** The one method a job type implements. Delivery is at least once: make it idempotent. */
export interface JobHandler<Payload> {
  run(payload: Payload, context: JobContext): Promise<void>;
}

/** The marker the registry discovers job types by; declare them with `@JobType`. */
export const JobTypeMarker = DiscoveryService.createDecorator<JobTypeOptions>();

/**
 * Declares a job type: the class is a Nest provider (constructor injection works) found at boot
 * by the job type registry, which refuses to start on a duplicate name or a missing `run`.
 */
export function JobType<Schema extends z.ZodType>(options: JobTypeOptions<Schema>): ClassDecorator {
  return applyDecorators(Injectable(), JobTypeMarker(options as JobTypeOptions));
}

export const JOB_TYPE_DEFAULTS = {
  attempts: 3,
  backoff: { delayMs: 1000, maxDelayMs: 600_000 },
  timeoutMs: 15 * 60_000,
} as const;
