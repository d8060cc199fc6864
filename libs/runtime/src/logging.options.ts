import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '@tenantry/config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Paths pino censors wherever they appear. Secrets should never be logged in the first place;
 * this is the net under that rule, not the rule.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-sim-control-key"]',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.clientSecret',
  '*.client_secret',
  '*.clientAssertion',
  '*.client_assertion',
  '*.accessToken',
  '*.access_token',
  '*.privateKey',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.key',
  '*.token',
];

// One-time values that arrive in query strings (the admin-consent `state`) are credentials too.
const SECRET_QUERY_PARAMETERS = ['state', 'code', 'client_secret', 'key', 'token'];

export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return url;
  const query = new URLSearchParams(url.slice(queryStart + 1));
  for (const name of SECRET_QUERY_PARAMETERS) if (query.has(name)) query.set(name, '[Redacted]');
  return `${url.slice(0, queryStart)}?${query.toString()}`;
}

/**
 * Takes the caller's `x-request-id` when it is sane, else makes one, and echoes it back. Runs as
 * the first middleware, so even a request the body parser rejects carries its id.
 */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  const offered = request.headers['x-request-id'];
  const id = typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
  request.id = id;
  response.setHeader('x-request-id', id);
  return id;
}

/** Structured JSON logs; every line of a request carries its correlation id (`req.id`). */
export function loggingOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      genReqId: (request: IncomingMessage, response: ServerResponse) =>
        request.id ?? assignRequestId(request, response),
      serializers: {
        req: (request: { id: string; method: string; url: string }) => ({
          id: request.id,
          method: request.method,
          url: redactUrl(request.url),
        }),
      },
      customLogLevel: (_request, response, error) =>
        error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
      // Probes and scrapes every few seconds would drown the lines that matter.
      autoLogging: { ignore: (request) => /^\/(health|metrics)/.test(request.url ?? '') },
    },
  };
}
