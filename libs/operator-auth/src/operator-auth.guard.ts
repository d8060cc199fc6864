import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyService } from './api-key.service';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { InsufficientRoleError, UnauthenticatedError } from './api-key.errors';
import { AuthenticatedRequest, PUBLIC_ROUTE, REQUIRED_ROLE } from './operator-auth.decorators';
import { OperatorRole, roleSatisfies } from './operator-role';

/** Installed globally: every route authenticates with an API key unless marked `@Public()`. */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
    private readonly failures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest & { ip?: string }>();
    const [scheme, key] = (request.headers.authorization ?? '').split(' ');
    // Only a wrong key is a guess worth counting; a missing one is a client that forgot it.
    if (scheme?.toLowerCase() !== 'bearer' || !key) throw new UnauthenticatedError();
    const operator = await this.apiKeys.authenticate(key);
    if (!operator) {
      this.failures.recordFailure(request.ip ?? request.socket?.remoteAddress ?? 'unknown');
      throw new UnauthenticatedError('The API key is unknown, revoked or expired.');
    }
    request.operator = operator;

    const required = this.reflector.getAllAndOverride<OperatorRole>(REQUIRED_ROLE, targets) ?? 'admin';
    if (!roleSatisfies(operator.role, required)) throw new InsufficientRoleError(operator.role, required);
    return true;
  }
}
