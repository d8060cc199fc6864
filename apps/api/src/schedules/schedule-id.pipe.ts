import { Injectable, PipeTransform } from '@nestjs/common';
import { isJobScheduleId } from '@tenantry/jobs';
import { RequestValidationError } from '../problems/request-validation.error';

/** Route parameter `scheduleId`: a schedule id (a UUID), normalised to lower case. */
@Injectable()
export class ScheduleIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (!isJobScheduleId(value)) {
      throw new RequestValidationError([{ field: 'scheduleId', problems: ['must be a schedule id (a UUID)'] }]);
    }
    return value.toLowerCase();
  }
}
