const MAX_BIGINT = 9_223_372_036_854_775_807n;

/** A job run id as PostgreSQL issues them: a positive bigint, in decimal without a sign or zeros in front. */
export function isJobRunId(value: unknown): value is string {
  return typeof value === 'string' && /^[1-9]\d{0,18}$/.test(value) && BigInt(value) <= MAX_BIGINT;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A job schedule id: a UUID, in either case. */
export function isJobScheduleId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
