import { CronExpressionParser } from 'cron-parser';
import type { ScheduleTiming } from './job-type';

const MIN_EVERY_MS = 60_000;
// Longer intervals read better as cron (and fit the integer column): monthly is '0 3 1 * *'.
const MAX_EVERY_MS = 24 * 24 * 3600 * 1000;

/** Why a schedule's timing cannot be used, or undefined when it can. */
export function scheduleProblem(timing: ScheduleTiming): string | undefined {
  if ((timing.cron === undefined) === (timing.everyMs === undefined)) return 'give exactly one of cron and everyMs';
  if (timing.everyMs !== undefined) {
    return Number.isInteger(timing.everyMs) && timing.everyMs >= MIN_EVERY_MS && timing.everyMs <= MAX_EVERY_MS
      ? undefined
      : `everyMs must be a whole number of milliseconds from ${MIN_EVERY_MS} (a minute) to ${MAX_EVERY_MS} (24 days; use cron for longer)`;
  }
  const timezone = timing.timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    return `unknown time zone "${timezone}"`;
  }
  try {
    const fields = timing.cron!.trim().split(/\s+/);
    // Five fields (minute precision): a seconds field would let one schedule fire every second.
    if (fields.length !== 5) return 'cron must have five fields (minute hour day-of-month month day-of-week)';
    CronExpressionParser.parse(timing.cron!, { tz: timezone });
    return undefined;
  } catch (error) {
    return `invalid cron expression: ${(error as Error).message}`;
  }
}
