import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { QueryFailedError } from 'typeorm';
import { DomainError, DomainErrorKind } from '@tenantry/errors';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, ProblemDocument } from './problem-document';
import { routeMethodsOf } from './route-methods';

const STATUS_OF_KIND: Record<DomainErrorKind, number> = {
  invalid: HttpStatus.BAD_REQUEST,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  gone: HttpStatus.GONE,
  too_large: HttpStatus.PAYLOAD_TOO_LARGE,
  unsupported_media_type: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

/**
 * The one place errors become HTTP: every failure leaves as `application/problem+json` with a
 * stable `code`. Anything unexpected is a 500 that says nothing about its cause to the client;
 * the cause goes to the log with the request id.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problems');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    // Nest answers a request no route took with a NotFoundException (our own 404s are domain
    // errors): when routes take the path with other methods, the method is what is wrong.
    const allowed = exception instanceof NotFoundException ? routeMethodsOf(request) : [];
    const wrongMethod = allowed.length > 0 && !allowed.includes(request.method);
    const document = wrongMethod
      ? problem(
          HttpStatus.METHOD_NOT_ALLOWED,
          'method_not_allowed',
          `${request.method} is not allowed here; this path takes ${allowed.join(', ')}.`,
        )
      : this.toProblem(exception);
    document.instance = request.path;
    if (request.id) document.requestId = String(request.id);
    if (document.status >= 500) {
      this.logger.error(
        { err: exception, requestId: request.id },
        `Unhandled error on ${request.method} ${request.path}`,
      );
    }
    if (response.headersSent) return;
    if (document.status === 401) response.setHeader('WWW-Authenticate', 'Bearer');
    if (wrongMethod) response.setHeader('Allow', allowed.join(', '));
    if (typeof document.retryAfterSeconds === 'number')
      response.setHeader('Retry-After', String(document.retryAfterSeconds));
    response.status(document.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(document));
  }

  private toProblem(exception: unknown): ProblemDocument {
    if (exception instanceof DomainError) {
      return problem(STATUS_OF_KIND[exception.kind], exception.code, exception.message, exception.details);
    }
    const refused = refusedInput(exception);
    if (refused) return problem(refused.status, refused.code, refused.detail);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const detail =
        typeof body === 'string'
          ? body
          : typeof body === 'object' && body !== null && 'message' in body
            ? [body.message].flat().join('; ')
            : exception.message;
      const extensions = status === 503 && typeof body === 'object' && body !== null ? { checks: body } : {};
      return problem(status, codeOfStatus(status), detail, extensions);
    }
    return problem(500, 'internal_error', 'Something went wrong on our side. Quote the request id when reporting it.');
  }
}

function problem(
  status: number,
  code: string,
  detail: string,
  extensions: Readonly<Record<string, unknown>> = {},
): ProblemDocument {
  return {
    ...extensions,
    type: `${PROBLEM_TYPE_BASE}${code}`,
    title: titleOf(status),
    status,
    detail,
    code,
  };
}

// PostgreSQL refusing a value a client sent (a NUL byte, a lone surrogate, text that is not a
// number): the client's input, not our failure. The statement was refused, so nothing was written.
const REFUSED_VALUE_SQLSTATES = new Set(['22021', '22P05', '22P02', '22001', '22003', '22007', '22008']);

function refusedInput(exception: unknown): { status: number; code: string; detail: string } | undefined {
  if (exception instanceof QueryFailedError) {
    const sqlState = (exception.driverError as { code?: string } | undefined)?.code;
    if (sqlState && REFUSED_VALUE_SQLSTATES.has(sqlState)) {
      return {
        status: 400,
        code: 'invalid_request',
        detail: 'A value in the request cannot be stored (unsupported characters or range).',
      };
    }
    return undefined;
  }
  // Errors from Express' own stack (http-errors) that are safe to show: a client's fault.
  if (typeof exception === 'object' && exception !== null && 'status' in exception && 'expose' in exception) {
    const status = Number(exception.status);
    if (exception.expose === true && status >= 400 && status < 500) {
      return { status, code: codeOfStatus(status), detail: 'The request could not be read.' };
    }
  }
  return undefined;
}

// Codes for statuses Nest or Express raise themselves; our own errors carry their code.
function codeOfStatus(status: number): string {
  if (status === 503) return 'not_ready';
  if (status >= 500) return 'internal_error';
  return (STATUS_CODES[status] ?? 'bad_request').toLowerCase().replace(/[^a-z]+/g, '_');
}

function titleOf(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}
