import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyService } from './api-key.service';
import { InsufficientRoleError, UnauthenticatedError } from './api-key.errors';
import { AuthenticatedRequest, PUBLIC_ROUTE, REQUIRED_ROLE } from './operator-auth.decorators';
import { OperatorRole, roleSatisfies } from './operator-role';

/** Installed globally: every route authenticates with an API key unless marked `@Public()`. */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const [scheme, key] = (request.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !key) throw new UnauthenticatedError();
    const operator = await this.apiKeys.authenticate(key);
    if (!operator) throw new UnauthenticatedError('The API key is unknown, revoked or expired.');
    request.operator = operator;

    const required = this.reflector.getAllAndOverride<OperatorRole>(REQUIRED_ROLE, targets) ?? 'admin';
    if (!roleSatisfies(operator.role, required)) throw new InsufficientRoleError(operator.role, required);
    return true;
  }
}
