/**
 * Every BullMQ queue of the platform. These strings are persisted (jobs in flight carry them):
 * never rename one; add a new queue and drain the old.
 */
export enum QueueName {
  /** Platform housekeeping and the end-to-end probe of the queue backend. */
  System = 'system',
  /** Admin-consent verification of newly onboarded (or re-consented) tenants. */
  Onboarding = 'onboarding',
  /** Tenants' jobs, dispatched fairly from `job_runs` (libs/jobs). */
  Jobs = 'jobs',
  /** Fires tenants' recurring jobs (BullMQ job schedulers kept in step with `job_schedules`). */
  Schedules = 'schedules',
}

export const SYSTEM_PING_JOB = 'ping';

export interface SystemPingPayload {
  readonly sentAt: string;
}

export interface SystemPingResult {
  readonly sentAt: string;
  readonly workerPid: number;
}
