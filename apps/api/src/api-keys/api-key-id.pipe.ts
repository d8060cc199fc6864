import { Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { RequestValidationError } from '../problems/request-validation.error';

/** Route parameter `apiKeyId`: an API key's id (a UUID), normalised to lower case. */
@Injectable()
export class ApiKeyIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (typeof value !== 'string' || !isUUID(value)) {
      throw new RequestValidationError([{ field: 'apiKeyId', problems: ['must be an API key id (a UUID)'] }]);
    }
    return value.toLowerCase();
  }
}
