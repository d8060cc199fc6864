import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { OperatorRole, RequireRole } from '@tenantry/operator-auth';

/**
 * The least role an operator route needs, enforced by the guard and published in OpenAPI as
 * `x-required-role`, so the route-security test (and a generated dashboard) can read it.
 */
export const Access = (role: OperatorRole): MethodDecorator & ClassDecorator =>
  applyDecorators(
    RequireRole(role),
    ApiBearerAuth(),
    ApiExtension('x-required-role', role),
    ApiUnauthorizedResponse({ description: 'No API key, or an unknown, revoked or expired one (problem+json).' }),
    ApiForbiddenResponse({ description: `The API key's role is below ${role} (problem+json).` }),
  );
