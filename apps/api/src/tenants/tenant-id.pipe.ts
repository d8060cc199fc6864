import { Injectable, PipeTransform } from '@nestjs/common';
import { isTenantId } from '@tenantry/tenants';
import { RequestValidationError } from '../problems/request-validation.error';

/** Route parameter `tenantId`: a directory tenant id (GUID), normalised to lower case. */
@Injectable()
export class TenantIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (!isTenantId(value)) {
      throw new RequestValidationError([{ field: 'tenantId', problems: ['must be a directory tenant id (a GUID)'] }]);
    }
    return value.toLowerCase();
  }
}
