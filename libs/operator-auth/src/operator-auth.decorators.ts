import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Operator } from './operator';
import type { OperatorRole } from './operator-role';

export const PUBLIC_ROUTE = 'tenantry:public-route';
export const REQUIRED_ROLE = 'tenantry:required-role';

/** Opt a route out of authentication. Everything else needs an API key by default. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** The least role a route needs; routes that say nothing need `admin` (secure by default). */
export const RequireRole = (role: OperatorRole): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLE, role);

export interface AuthenticatedRequest extends Request {
  operator?: Operator;
}

export const CurrentOperator = createParamDecorator((_data: unknown, context: ExecutionContext): Operator => {
  const operator = context.switchToHttp().getRequest<AuthenticatedRequest>().operator;
  // The guard runs before any handler; a missing operator here is a wiring bug, not a client error.
  if (!operator) throw new Error('CurrentOperator used on a route without authentication');
  return operator;
});
