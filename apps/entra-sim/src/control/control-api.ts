import { timingSafeEqual } from 'node:crypto';
import type { SimDirectory } from '../directory/sim-directory';
import { SimDirectoryError } from '../directory/sim-directory.error';
import type { SimSeed } from '../directory/sim-seed';
import type { FaultInjector, FaultSpec } from '../faults/fault-injector';
import type { GraphThrottle, GraphThrottleLimit } from '../graph/graph-throttle';
import type { RequestCounters } from '../metrics/request-counters';
import { decodePathSegment } from '../http/path-segment';
import type { SimResponse } from '../http/sim-response';
import type { TokenIssuer } from '../tokens/token-issuer';

export interface ControlApiDependencies {
  directory: SimDirectory;
  faults: FaultInjector;
  counters: RequestCounters;
  throttle: GraphThrottle;
  issuer: TokenIssuer;
  /** What `POST /_sim/reset` without a body restores. */
  resolveSeed(seed: SimSeed | 'demo' | 'empty' | undefined): SimSeed;
}

class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `/_sim/...`: seed and change the directory, inject faults, read counters, reset. Guarded by
 * the control key (`Authorization: Bearer <key>` or `x-sim-control-key`), except health.
 */
export class ControlApi {
  private readonly key: Buffer;

  constructor(
    controlKey: string,
    private readonly deps: ControlApiDependencies,
  ) {
    this.key = Buffer.from(controlKey);
  }

  handle(
    method: string,
    path: string,
    query: URLSearchParams,
    headers: { authorization?: string; key?: string },
    body: string,
  ): SimResponse {
    const segments: string[] = [];
    for (const raw of path.split('/').slice(2)) {
      const segment = decodePathSegment(raw);
      if (segment === undefined) return json(400, { error: `malformed percent-encoding in the path segment '${raw}'` });
      segments.push(segment);
    }
    if (method === 'GET' && segments[0] === 'health') return json(200, { status: 'ok' });
    if (!this.authorized(headers))
      return json(401, { error: 'control key required (Authorization: Bearer <key> or x-sim-control-key)' });
    try {
      const payload = body ? (JSON.parse(body) as unknown) : undefined;
      return this.route(method, segments, query, payload);
    } catch (error) {
      if (error instanceof ControlError) return json(error.status, { error: error.message });
      if (error instanceof SimDirectoryError)
        return json(error.code === 'not_found' ? 404 : 400, { error: error.message });
      if (error instanceof SyntaxError) return json(400, { error: `body is not JSON: ${error.message}` });
      return json(400, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  private route(method: string, s: string[], query: URLSearchParams, body: unknown): SimResponse {
    const { directory, faults, counters, throttle } = this.deps;
    const route = `${method} ${s.map((part, i) => (i % 2 === 1 && s[0] !== 'faults' ? ':' : part)).join('/')}`;
    switch (route) {
      case 'GET state':
        return json(200, {
          ...directory.snapshot(),
          consentPropagationDelayMs: directory.getConsentPropagationDelay(),
        });
      case 'POST seed':
        directory.seed(object<SimSeed>(body));
        return json(200, { ok: true });
      case 'POST reset': {
        const seed = (body as { seed?: SimSeed | 'demo' | 'empty' } | undefined)?.seed;
        directory.reset(this.deps.resolveSeed(seed));
        faults.clear();
        counters.reset();
        throttle.reset();
        this.deps.issuer.clearCache();
        return json(200, { ok: true });
      }
      case 'PUT settings': {
        const settings = object<{ consentPropagationDelayMs?: number; graphThrottle?: GraphThrottleLimit | null }>(
          body,
        );
        if (settings.consentPropagationDelayMs !== undefined)
          directory.setConsentPropagationDelay(settings.consentPropagationDelayMs);
        if (settings.graphThrottle !== undefined) throttle.setDefault(settings.graphThrottle);
        return json(200, { ok: true });
      }
      case 'PUT apps/:':
        directory.upsertApp({ ...object<object>(body), clientId: s[1] });
        return json(200, { ok: true });
      case 'PATCH apps/:': {
        const patch = object<{ disabled?: boolean }>(body);
        if (patch.disabled !== undefined) directory.setAppDisabled(s[1], patch.disabled);
        return json(200, { ok: true });
      }
      case 'DELETE apps/:':
        directory.removeApp(s[1]);
        return json(200, { ok: true });
      case 'POST apps/:/secrets':
        directory.addSecret(s[1], object(body));
        return json(201, { ok: true });
      case 'DELETE apps/:/secrets':
        directory.removeSecrets(s[1]);
        return json(200, { ok: true });
      case 'POST apps/:/certificates': {
        const record = directory.addCertificate(s[1], object(body));
        return json(201, { x5t: record.x5t, 'x5t#S256': record.x5tS256 });
      }
      case 'DELETE apps/:/certificates':
        directory.removeCertificates(s[1]);
        return json(200, { ok: true });
      case 'PUT tenants/:':
        directory.upsertTenant({ ...object<{ displayName: string; domain: string }>(body), tenantId: s[1] });
        return json(200, { ok: true });
      case 'DELETE tenants/:':
        directory.removeTenant(s[1]);
        return json(200, { ok: true });
      case 'POST tenants/:/users':
        return json(201, directory.upsertUser(s[1], object(body)));
      case 'PUT tenants/:/users/:':
        return json(200, directory.upsertUser(s[1], { ...object<{ displayName: string }>(body), id: s[3] }));
      case 'PATCH tenants/:/users/:':
        return json(200, directory.updateUser(s[1], s[3], object(body)));
      case 'DELETE tenants/:/users/:':
        directory.deleteUser(s[1], s[3], { permanent: query.get('permanent') === 'true' });
        return json(200, { ok: true });
      case 'PUT tenants/:/consents/:': {
        const grant = (body ?? {}) as { roles?: string[]; propagationDelayMs?: number };
        const consent = directory.grantConsent(s[1], s[3], grant.roles, {
          propagationDelayMs: grant.propagationDelayMs,
        });
        return json(200, {
          ...consent,
          effectiveAt: new Date(consent.effectiveAt).toISOString(),
          grantedAt: new Date(consent.grantedAt).toISOString(),
        });
      }
      case 'PUT tenants/:/consent-policy': {
        const policy = object<{ grantableRoles?: unknown }>(body);
        const roles = policy.grantableRoles;
        if (roles !== null && !(Array.isArray(roles) && roles.every((role) => typeof role === 'string'))) {
          throw new ControlError(400, 'grantableRoles must be an array of role names, or null');
        }
        directory.setGrantableRoles(s[1], roles as string[] | null);
        return json(200, { ok: true });
      }
      case 'DELETE tenants/:/consents/:':
        directory.revokeConsent(s[1], s[3]);
        return json(200, { ok: true });
      case 'POST tenants/:/invalidate-delta-tokens':
        directory.invalidateDeltaTokens(s[1]);
        return json(200, { ok: true });
      case 'PUT tenants/:/throttle': {
        const tenant = directory.getTenant(s[1]);
        if (!tenant) throw new ControlError(404, `tenant ${s[1]} not found`);
        throttle.setForTenant(tenant.tenantId, (body ?? null) as GraphThrottleLimit | null);
        return json(200, { ok: true });
      }
      case 'GET faults':
        return json(200, { faults: faults.list() });
      case 'POST faults': {
        const spec = object<FaultSpec>(body);
        const tenant =
          spec.tenant && spec.tenant !== '*' ? (directory.resolveTenant(spec.tenant)?.tenantId ?? spec.tenant) : '*';
        return json(201, faults.add({ ...spec, tenant }));
      }
      case 'DELETE faults':
        faults.clear();
        return json(200, { ok: true });
      case 'GET counters':
        return json(200, { counters: counters.snapshot() });
      case 'DELETE counters':
        counters.reset();
        return json(200, { ok: true });
    }
    if (method === 'DELETE' && s[0] === 'faults' && s.length === 2) {
      return faults.remove(s[1]) ? json(200, { ok: true }) : json(404, { error: `fault ${s[1]} not found` });
    }
    throw new ControlError(404, `no control route ${method} /_sim/${s.join('/')}`);
  }

  private authorized(headers: { authorization?: string; key?: string }): boolean {
    const presented =
      headers.key ??
      (headers.authorization?.toLowerCase().startsWith('bearer ') ? headers.authorization.slice(7).trim() : undefined);
    if (!presented) return false;
    const candidate = Buffer.from(presented);
    return candidate.length === this.key.length && timingSafeEqual(candidate, this.key);
  }
}

function object<T>(body: unknown): T {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ControlError(400, 'body must be a JSON object');
  return body as T;
}

function json(status: number, value: unknown): SimResponse {
  return { status, body: JSON.stringify(value), headers: { 'content-type': 'application/json; charset=utf-8' } };
}
