import { Injectable, PipeTransform } from '@nestjs/common';
import { RequestValidationError } from '../problems/request-validation.error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Route parameter `scheduleId`: a schedule id (a UUID), normalised to lower case. */
@Injectable()
export class ScheduleIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new RequestValidationError([{ field: 'scheduleId', problems: ['must be a schedule id (a UUID)'] }]);
    }
    return value.toLowerCase();
  }
}
