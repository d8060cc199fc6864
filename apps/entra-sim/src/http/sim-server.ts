import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AdminConsentPage } from '../consent/admin-consent-page';
import type { ControlApi } from '../control/control-api';
import type { SimDirectory } from '../directory/sim-directory';
import { AadstsError } from '../errors/aadsts-error';
import { aadsts } from '../errors/aadsts';
import type { FaultDecision, FaultInjector, SimEndpoint } from '../faults/fault-injector';
import type { GraphApi, GraphRequest } from '../graph/graph-api';
import { GraphError } from '../graph/graph-error';
import type { GraphThrottle } from '../graph/graph-throttle';
import type { RequestCounters } from '../metrics/request-counters';
import type { DiscoveryDocuments } from '../tokens/discovery-documents';
import type { TokenEndpoint } from '../tokens/token-endpoint';
import type { TokenIssuer } from '../tokens/token-issuer';
import { decodePathSegment } from './path-segment';
import type { SimResponse } from './sim-response';

const MAX_BODY_BYTES = 1_000_000;
const JSON_TYPE = 'application/json; charset=utf-8';
const TENANT_ALIASES = new Set(['common', 'organizations', 'consumers']);

export interface SimServerDependencies {
  authorityHost: string;
  directory: SimDirectory;
  discovery: DiscoveryDocuments;
  issuer: TokenIssuer;
  tokenEndpoint: TokenEndpoint;
  graph: GraphApi;
  consent: AdminConsentPage;
  control: ControlApi;
  faults: FaultInjector;
  counters: RequestCounters;
  throttle: GraphThrottle;
}

/**
 * The request router. Hand-written on node:https rather than a framework: this is a test
 * double whose per-request cost shows up in every benchmark of the platform.
 */
export class SimServer {
  /** Injected-latency timers in flight, each with what settles its wait as cancelled. */
  private readonly delays = new Map<NodeJS.Timeout, () => void>();
  private stopped = false;

  constructor(private readonly deps: SimServerDependencies) {}

  /**
   * Cancels the injected-latency timers in flight (their requests are dropped rather than
   * answered) and any later ones, so no timer outlives the server. The caller closes it.
   */
  stop(): void {
    this.stopped = true;
    for (const [timer, cancel] of this.delays) {
      clearTimeout(timer);
      cancel();
    }
    this.delays.clear();
  }

  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.dispatch(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        send(res, { status: 500, body: JSON.stringify({ error: 'server_error', error_description: String(error) }) });
      } else {
        res.destroy();
      }
    });
  };

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const rawQuery = queryAt < 0 ? '' : url.slice(queryAt + 1);
    const method = req.method ?? 'GET';

    if (path.startsWith('/v1.0/')) return this.graphRequest(req, res, path.slice(5), rawQuery);
    if (path.startsWith('/_sim/')) {
      const body = method === 'GET' ? '' : await readBody(req);
      const key = req.headers['x-sim-control-key'];
      send(
        res,
        this.deps.control.handle(
          method,
          path,
          new URLSearchParams(rawQuery),
          {
            authorization: req.headers.authorization,
            key: typeof key === 'string' ? key : undefined,
          },
          body,
        ),
      );
      return;
    }

    const second = path.indexOf('/', 1);
    const rawSegment = second < 0 ? '' : path.slice(1, second);
    const rest = second < 0 ? path : path.slice(second);
    const endpoint = entraEndpointOf(rest, method);
    if (!endpoint) {
      send(res, {
        status: 404,
        body: JSON.stringify({ error: 'not_found', error_description: `entra-sim has no endpoint ${method} ${path}` }),
      });
      return;
    }
    const tenantSegment = decodePathSegment(rawSegment);
    if (tenantSegment === undefined) {
      // Not even a well-formed tenant: answered before counters and faults (nothing to key them by).
      if (endpoint === 'adminconsent') return send(res, this.deps.consent.invalidTenant(rawSegment));
      return this.sendAadsts(req, res, aadsts.invalidTenantIdentifier(rawSegment));
    }
    switch (endpoint) {
      case 'discovery':
        return this.discoveryRequest(res, tenantSegment, rest.startsWith('/v2.0'), req);
      case 'keys':
        return this.keysRequest(res, tenantSegment, req);
      case 'token':
        return this.tokenRequest(req, res, tenantSegment);
      case 'adminconsent':
        return this.consentRequest(req, res, tenantSegment, method, rawQuery);
    }
  }

  private async discoveryRequest(
    res: ServerResponse,
    segment: string,
    v2: boolean,
    req: IncomingMessage,
  ): Promise<void> {
    const alias = TENANT_ALIASES.has(segment.toLowerCase());
    const tenant = alias ? undefined : this.deps.directory.resolveTenant(segment);
    const tenantKey = tenant?.tenantId ?? segment.toLowerCase();
    this.deps.counters.increment(tenantKey, 'discovery');
    if (await this.faulted(req, res, tenantKey, 'discovery')) return;
    if (!alias && !tenant) return this.sendAadsts(req, res, aadsts.tenantNotFoundDiscovery(segment));
    const document = alias
      ? v2
        ? this.deps.discovery.v2(segment.toLowerCase())
        : this.deps.discovery.v1(segment.toLowerCase())
      : v2
        ? this.deps.discovery.v2(tenant!)
        : this.deps.discovery.v1(tenant!);
    send(res, {
      status: 200,
      body: document,
      headers: { 'content-type': JSON_TYPE, 'cache-control': 'max-age=86400, private' },
    });
  }

  private async keysRequest(res: ServerResponse, segment: string, req: IncomingMessage): Promise<void> {
    const tenant = this.deps.directory.resolveTenant(segment);
    const tenantKey = tenant?.tenantId ?? segment.toLowerCase();
    this.deps.counters.increment(tenantKey, 'keys');
    if (await this.faulted(req, res, tenantKey, 'keys')) return;
    if (!tenant && !TENANT_ALIASES.has(segment.toLowerCase()))
      return this.sendAadsts(req, res, aadsts.tenantNotFoundDiscovery(segment));
    send(res, {
      status: 200,
      body: this.deps.issuer.jwks(),
      headers: { 'content-type': JSON_TYPE, 'cache-control': 'max-age=86400, private' },
    });
  }

  private async tokenRequest(req: IncomingMessage, res: ServerResponse, segment: string): Promise<void> {
    const tenant = this.deps.directory.resolveTenant(segment);
    const tenantKey = tenant?.tenantId ?? segment.toLowerCase();
    this.deps.counters.increment(tenantKey, 'token');
    const body = await readBody(req);
    if (await this.faulted(req, res, tenantKey, 'token')) return;
    try {
      const host = req.headers.host;
      const origins =
        host && `https://${host}` !== this.deps.authorityHost
          ? [this.deps.authorityHost, `https://${host}`]
          : [this.deps.authorityHost];
      const responseBody = this.deps.tokenEndpoint.handle({
        tenantSegment: segment,
        form: new URLSearchParams(body),
        authorization: req.headers.authorization,
        origins,
      });
      send(res, { status: 200, body: responseBody, headers: tokenHeaders(req) });
    } catch (error) {
      if (error instanceof AadstsError) return this.sendAadsts(req, res, error);
      throw error;
    }
  }

  private async consentRequest(
    req: IncomingMessage,
    res: ServerResponse,
    segment: string,
    method: string,
    rawQuery: string,
  ): Promise<void> {
    const tenant = this.deps.directory.resolveTenant(segment);
    const tenantKey = tenant?.tenantId ?? segment.toLowerCase();
    this.deps.counters.increment(tenantKey, 'adminconsent');
    if (await this.faulted(req, res, tenantKey, 'adminconsent')) return;
    if (method === 'POST') {
      const body = await readBody(req);
      send(res, this.deps.consent.submit(segment, new URLSearchParams(body)));
    } else {
      send(res, this.deps.consent.show(segment, new URLSearchParams(rawQuery)));
    }
  }

  private async graphRequest(req: IncomingMessage, res: ServerResponse, path: string, rawQuery: string): Promise<void> {
    const query = new Map<string, string>();
    for (const [name, value] of new URLSearchParams(rawQuery)) query.set(name.toLowerCase(), value);
    const prefer = req.headers.prefer;
    const request: GraphRequest = {
      path,
      query,
      authorization: req.headers.authorization,
      prefer: typeof prefer === 'string' ? prefer : undefined,
    };
    let tenantKey = '-';
    let endpoint: SimEndpoint | undefined;
    try {
      endpoint = this.deps.graph.endpointOf(path);
      const authorized = this.deps.graph.authorize(request);
      tenantKey = authorized.tenant.tenantId;
      this.deps.counters.increment(tenantKey, endpoint);
      if (await this.faulted(req, res, tenantKey, endpoint)) return;
      const retryAfter = this.deps.throttle.check(authorized.claims.appid, tenantKey);
      if (retryAfter > 0) {
        throw new GraphError(
          429,
          'TooManyRequests',
          'Too many requests for this application in this tenant. Retry after the delay in Retry-After.',
          retryAfter,
        );
      }
      const response = this.deps.graph.handle(request, authorized);
      send(res, { ...response, headers: { ...response.headers, ...graphHeaders(req) } });
    } catch (error) {
      if (!(error instanceof GraphError)) throw error;
      if (tenantKey === '-' && endpoint) this.deps.counters.increment(tenantKey, endpoint);
      sendGraphError(req, res, error);
    }
  }

  /** Applies an injected fault; true when the request has been answered (or dropped). */
  private async faulted(
    req: IncomingMessage,
    res: ServerResponse,
    tenantKey: string,
    endpoint: SimEndpoint,
  ): Promise<boolean> {
    const decision = this.deps.faults.decide(tenantKey, endpoint);
    if (!decision) return false;
    const cancelled = decision.latencyMs > 0 && !(await this.delay(decision.latencyMs));
    if (cancelled || decision.drop) {
      req.socket.destroy();
      return true;
    }
    if (decision.status === undefined) return false;
    this.sendFault(req, res, endpoint, decision);
    return true;
  }

  /** Resolves true after `ms`, or false at once when the server stops (or has stopped). */
  private delay(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.delays.delete(timer);
        resolve(true);
      }, ms);
      this.delays.set(timer, () => resolve(false));
    });
  }

  private sendFault(req: IncomingMessage, res: ServerResponse, endpoint: SimEndpoint, decision: FaultDecision): void {
    const status = decision.status as number;
    if (endpoint.startsWith('graph.')) {
      const code =
        status === 429
          ? 'TooManyRequests'
          : status === 503
            ? 'serviceNotAvailable'
            : status === 504
              ? 'gatewayTimeout'
              : 'generalException';
      sendGraphError(req, res, new GraphError(status, code, `Injected fault (${status}).`, decision.retryAfterSeconds));
      return;
    }
    if (endpoint === 'adminconsent') {
      send(res, {
        status,
        body: `<!doctype html><title>Error</title><p>Injected fault (${status}).</p>`,
        headers: { 'content-type': 'text/html; charset=utf-8' },
      });
      return;
    }
    this.sendAadsts(
      req,
      res,
      status === 429
        ? aadsts.throttled(decision.retryAfterSeconds ?? 2)
        : aadsts.transient(status, decision.retryAfterSeconds),
    );
  }

  private sendAadsts(req: IncomingMessage, res: ServerResponse, error: AadstsError): void {
    const traceId = randomUUID();
    const correlationId = headerValue(req, 'client-request-id') ?? randomUUID();
    const timestamp = new Date()
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z');
    const body = JSON.stringify({
      error: error.error,
      error_description: `AADSTS${error.code}: ${error.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [error.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${this.deps.authorityHost}/error?code=${error.code}`,
    });
    const headers: Record<string, string> = { ...tokenHeaders(req), 'x-ms-request-id': traceId };
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
    send(res, { status: error.status, body, headers });
  }
}

function sendGraphError(req: IncomingMessage, res: ServerResponse, error: GraphError): void {
  const headers: Record<string, string> = { ...graphHeaders(req), ...error.headers, 'content-type': JSON_TYPE };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  const body = JSON.stringify({
    error: {
      code: error.code,
      message: error.message,
      innerError: {
        date: new Date().toISOString().replace(/\.\d+Z$/, ''),
        'request-id': headers['request-id'],
        'client-request-id': headers['client-request-id'],
      },
    },
  });
  send(res, { status: error.status, body, headers });
}

/** The identity-platform endpoint a path after the tenant segment names, if any. */
function entraEndpointOf(rest: string, method: string): 'discovery' | 'keys' | 'token' | 'adminconsent' | undefined {
  switch (rest) {
    case '/v2.0/.well-known/openid-configuration':
    case '/.well-known/openid-configuration':
      return 'discovery';
    case '/discovery/v2.0/keys':
    case '/discovery/keys':
      return 'keys';
    case '/oauth2/v2.0/token':
      return method === 'POST' ? 'token' : undefined;
    case '/v2.0/adminconsent':
      return 'adminconsent';
    default:
      return undefined;
  }
}

function tokenHeaders(req: IncomingMessage): Record<string, string> {
  return {
    'content-type': JSON_TYPE,
    'cache-control': 'no-store, no-cache',
    pragma: 'no-cache',
    'x-ms-request-id': headerValue(req, 'client-request-id') ?? randomUUID(),
    'x-ms-ests-server': 'entra-sim',
  };
}

function graphHeaders(req: IncomingMessage): Record<string, string> {
  const requestId = randomUUID();
  return {
    'request-id': requestId,
    'client-request-id': headerValue(req, 'client-request-id') ?? requestId,
    'cache-control': 'no-cache',
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function send(res: ServerResponse, response: SimResponse): void {
  const headers: Record<string, string | number> = { 'content-type': JSON_TYPE, ...response.headers };
  headers['content-length'] = Buffer.byteLength(response.body);
  res.writeHead(response.status, headers);
  res.end(response.body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}
