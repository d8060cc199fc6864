import { Param } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { isTenantId } from '@tenantry/tenants';
import { IdParamPipe } from '../id-param.pipe';

/** Route parameter `tenantId`: a directory tenant id (GUID), normalised to lower case. */
export const TenantIdPipe = IdParamPipe({
  field: 'tenantId',
  isId: isTenantId,
  mustBe: 'a directory tenant id (a GUID)',
  lowerCase: true,
});

const TENANT_ID_PARAM = {
  name: 'tenantId',
  description: "The customer's directory (tenant) id: a GUID.",
  schema: { type: 'string', format: 'uuid', example: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
} as const;

/** The `{tenantId}` path parameter, validated by `TenantIdPipe` and documented as the GUID it is. */
export function TenantIdParam(): ParameterDecorator {
  return (target, propertyKey, index) => {
    Param('tenantId', TenantIdPipe)(target, propertyKey, index);
    // A parameter decorator sees the method's descriptor too: the document gets the format there.
    if (propertyKey !== undefined) {
      ApiParam(TENANT_ID_PARAM)(target, propertyKey, Object.getOwnPropertyDescriptor(target, propertyKey)!);
    }
  };
}
