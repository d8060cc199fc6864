import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { json, type Request } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppConfig } from '@tenantry/config';
import { assignRequestId } from '@tenantry/runtime';
import { MalformedBodyError } from './problems/malformed-body.error';

/** Options for `NestFactory.create`: the body parser is ours (see below), and logs wait for pino. */
export const HTTP_APP_OPTIONS = { bodyParser: false, bufferLogs: true } as const;

/**
 * Everything about the HTTP application that is not a module: body limits, CORS, OpenAPI.
 * The entry points and the e2e tests call the same function, so tests see the real app.
 */
export function configureHttpApp(app: NestExpressApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  app.use((request: IncomingMessage, response: ServerResponse, next: () => void) => {
    assignRequestId(request, response);
    next();
  });
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Behind a reverse proxy the client is in X-Forwarded-For; failed-authentication limits key on it.
  if (config.http.trustProxy !== undefined) {
    const hops = Number(config.http.trustProxy);
    app.set('trust proxy', Number.isInteger(hops) ? hops : config.http.trustProxy);
  }
  // Our own JSON parser (Nest's is off, see HTTP_APP_OPTIONS) so its failures become coded
  // problems instead of Nest's generic 400 for any SyntaxError.
  app.use(json({ limit: config.http.bodyLimitBytes, strict: true }));
  // The parser skips a body of any other media type, and the route would then run as if none
  // had been sent (`curl -d '{"enabled":false}'` sends form encoding: a 200 that changed nothing).
  app.use((request: Request, _response: ServerResponse, next: (error?: unknown) => void) => {
    const hasBody =
      request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    next(hasBody && !request.is('application/json') ? MalformedBodyError.notJson() : undefined);
  });
  app.use((error: unknown, _request: IncomingMessage, _response: ServerResponse, next: (error?: unknown) => void) =>
    next(MalformedBodyError.from(error) ?? error),
  );
  if (config.http.corsOrigins.length > 0) app.enableCors({ origin: [...config.http.corsOrigins] });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Tenantry operator API')
      .setDescription(
        'Operate a multitenant Entra ID daemon: tenants and their lifecycle, token health and API keys. ' +
          'Every /api/v1 route needs `Authorization: Bearer <API key>`; `x-required-role` names the least role. ' +
          'Errors are application/problem+json (RFC 9457) with a stable `code`.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'An API key (tnty_…)' })
      .build(),
  );
  declareBodyRefusals(document);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
}

/**
 * The body parser refuses a body before any route runs (too large, not JSON, an unknown charset
 * or encoding), so every route that can take one may answer 413 and 415: the document says so
 * once here rather than on each controller.
 */
function declareBodyRefusals(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of [item.post, item.put, item.patch, item.delete]) {
      if (!operation) continue;
      operation.responses['413'] ??= { description: 'The request body is larger than allowed (problem+json).' };
      operation.responses['415'] ??= {
        description:
          'The request body is not application/json, or in an unsupported charset or encoding (problem+json).',
      };
    }
  }
}
