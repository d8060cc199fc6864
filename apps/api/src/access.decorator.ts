import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { OperatorRole, Public, RequireRole } from '@tenantry/operator-auth';

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

/**
 * A route anyone may call (health, the consent callback, metrics), published in OpenAPI as
 * `x-public: true`: a reader of the document tells "public on purpose" from "forgot `@Access`".
 */
export const PublicAccess = (): MethodDecorator & ClassDecorator =>
  applyDecorators(Public(), ApiExtension('x-public', true));
