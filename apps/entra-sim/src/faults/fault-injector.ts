import { randomUUID } from 'node:crypto';

/** The endpoints faults, counters and throttling are keyed by. */
export type SimEndpoint =
  'discovery' | 'keys' | 'token' | 'adminconsent' | 'graph.users' | 'graph.delta' | 'graph.organization';

export interface FaultSpec {
  /** Tenant GUID (or verified domain, resolved by the caller) or `*`; default `*`. */
  tenant?: string;
  /** An endpoint, `graph` for all Graph endpoints, or `*`; default `*`. */
  endpoint?: SimEndpoint | 'graph' | '*';
  /** Answer with this status instead (429, 500, 503, ...). */
  status?: number;
  /** Retry-After seconds sent with a 429/503; default 2 for 429, none otherwise. */
  retryAfterSeconds?: number;
  /** Close the connection without an answer. */
  drop?: boolean;
  /** Delay the (real or faulted) answer by this much. */
  latencyMs?: number;
  /** Apply to this many matching requests, then expire. */
  count?: number;
  /** Apply for this long, then expire. Without count or duration a fault stays until cleared. */
  durationSeconds?: number;
}

export interface FaultRule extends FaultSpec {
  id: string;
  remaining?: number;
  until?: number;
}

export interface FaultDecision {
  status?: number;
  retryAfterSeconds?: number;
  drop?: boolean;
  latencyMs: number;
}

/**
 * Faults injected per tenant and endpoint. The common case (no rules) costs one length check
 * per request, so faults never weigh on benchmarks that do not use them.
 */
export class FaultInjector {
  private rules: FaultRule[] = [];

  add(spec: FaultSpec): FaultRule {
    if (spec.status === undefined && !spec.drop && !spec.latencyMs) {
      throw new Error('a fault needs status, drop or latencyMs');
    }
    const rule: FaultRule = {
      ...spec,
      id: randomUUID(),
      tenant: (spec.tenant ?? '*').toLowerCase(),
      endpoint: spec.endpoint ?? '*',
      remaining: spec.count,
      until: spec.durationSeconds !== undefined ? Date.now() + spec.durationSeconds * 1000 : undefined,
    };
    this.rules.push(rule);
    return rule;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    this.expire();
    return this.rules.map((rule) => ({ ...rule }));
  }

  /** What to do to this request, or undefined for nothing (the usual case). */
  decide(tenant: string, endpoint: SimEndpoint): FaultDecision | undefined {
    if (this.rules.length === 0) return undefined;
    this.expire();
    let decision: FaultDecision | undefined;
    for (const rule of this.rules) {
      if (rule.tenant !== '*' && rule.tenant !== tenant) continue;
      if (
        rule.endpoint !== '*' &&
        rule.endpoint !== endpoint &&
        !(rule.endpoint === 'graph' && endpoint.startsWith('graph.'))
      ) {
        continue;
      }
      decision ??= { latencyMs: 0 };
      decision.latencyMs += rule.latencyMs ?? 0;
      if (decision.status === undefined && !decision.drop && (rule.status !== undefined || rule.drop)) {
        decision.status = rule.status;
        decision.drop = rule.drop;
        decision.retryAfterSeconds = rule.retryAfterSeconds ?? (rule.status === 429 ? 2 : undefined);
        if (rule.remaining !== undefined) rule.remaining--;
      } else if (rule.status === undefined && !rule.drop && rule.remaining !== undefined) {
        rule.remaining--;
      }
    }
    return decision;
  }

  private expire(): void {
    const now = Date.now();
    this.rules = this.rules.filter(
      (rule) => (rule.remaining === undefined || rule.remaining > 0) && (rule.until === undefined || rule.until > now),
    );
  }
}
