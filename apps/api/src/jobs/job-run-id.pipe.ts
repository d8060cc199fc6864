import { Injectable, PipeTransform } from '@nestjs/common';
import { isJobRunId } from '@tenantry/jobs';
import { RequestValidationError } from '../problems/request-validation.error';

/** Route parameter `jobId`: a job run id, a positive 64-bit integer in decimal. */
@Injectable()
export class JobRunIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (!isJobRunId(value)) {
      throw new RequestValidationError([
        { field: 'jobId', problems: ['must be a job run id (a whole number from 1 to 9223372036854775807)'] },
      ]);
    }
    return value;
  }
}
