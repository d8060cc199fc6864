import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import { catchError, finalize, from, mergeMap, Observable, throwError } from 'rxjs';
import { AuditLog } from '@tenantry/audit';
import { DomainError } from '@tenantry/errors';
import type { AuthenticatedRequest } from '@tenantry/operator-auth';
import { AUDITED, AuditSpec } from './audited.decorator';

type AuditedRequest = AuthenticatedRequest & { id?: string };

/** Writes one audit event per mutation, whether it succeeded or was refused by the domain. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditLog,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec | undefined>(AUDITED, context.getHandler());
    if (!spec) return next.handle();
    const request = context.switchToHttp().getRequest<AuditedRequest>();
    const release = holdResponseEnd(context.switchToHttp().getResponse<ServerResponse>());
    const record = (outcome: 'success' | 'failure', details?: Record<string, unknown>, result?: unknown) => {
      const targetId = spec.targetParam
        ? request.params[spec.targetParam]
        : spec.targetFromResult && typeof result === 'object' && result !== null
          ? (result as Record<string, unknown>)[spec.targetFromResult]
          : undefined;
      return this.audit.record({
        actor: request.operator?.actor ?? 'anonymous',
        action: spec.action,
        outcome,
        targetType: spec.targetType,
        targetId: typeof targetId === 'string' ? targetId : undefined,
        tenantId: tenantOf(spec, request, targetId, result),
        requestId: request.id === undefined ? undefined : String(request.id),
        details,
      });
    };
    return next.handle().pipe(
      mergeMap((result) => from(record('success', undefined, result)).pipe(mergeMap(() => [result]))),
      // A request refused for its input changed nothing and is not an attempt worth auditing.
      catchError((error: unknown) =>
        error instanceof DomainError && error.kind === 'invalid'
          ? throwError(() => error)
          : from(
              record('failure', {
                code: error instanceof DomainError ? error.code : 'unexpected',
              }).catch(() => undefined),
            ).pipe(mergeMap(() => throwError(() => error))),
      ),
      finalize(release),
    );
  }
}

/**
 * A handler that sends its own response (`@Res()`, for a status that depends on the outcome)
 * would answer before its audit event is written: a client could read the audit log without it,
 * and a failed write would go unnoticed. Its response is held until the event is written; a
 * response Nest sends goes out after this pipeline anyway, so holding it changes nothing.
 */
function holdResponseEnd(response: ServerResponse): () => void {
  const end = response.end;
  let held: Parameters<typeof end> | undefined;
  response.end = ((...args: Parameters<typeof end>) => {
    held = args;
    return response;
  }) as typeof end;
  return () => {
    response.end = end;
    if (held) end.apply(response, held);
  };
}

/** The tenant an audited action touched, so the audit log can be read per tenant. */
function tenantOf(spec: AuditSpec, request: AuditedRequest, targetId: unknown, result: unknown): string | undefined {
  const tenantId =
    spec.targetType === 'tenant'
      ? targetId
      : spec.tenantParam
        ? request.params[spec.tenantParam]
        : spec.tenantFromResult && typeof result === 'object' && result !== null
          ? (result as Record<string, unknown>)[spec.tenantFromResult]
          : undefined;
  return typeof tenantId === 'string' ? tenantId.toLowerCase() : undefined;
}
