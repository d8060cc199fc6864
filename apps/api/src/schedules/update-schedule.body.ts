import { OmitType } from '@nestjs/swagger';
import { CreateScheduleBody } from './create-schedule.body';

/**
 * Any of the fields of a new schedule but its type. A `cron` or an `everyMs` replaces the timing
 * (a `cron` without `timezone` is read in UTC); a `timezone` alone moves a cron schedule.
 */
export class UpdateScheduleBody extends OmitType(CreateScheduleBody, ['type'] as const) {}
