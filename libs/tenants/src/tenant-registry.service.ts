import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { containsPattern, InvalidCursorError, KeysetCursor } from '@tenantry/database';
import { TenantEvent } from './tenant-event.entity';
import { TenantLifecycleEvents } from './tenant-lifecycle.events';
import { assertTenantId } from './tenant-id';
import { assertTransition } from './tenant-lifecycle';
import { InjectTenantScopedRepository, TenantScopedRepository } from './tenant-scoped.repository';
import { TENANT_STATUSES, type TenantStatus } from './tenant-status';
import { Tenant } from './tenant.entity';
import {
  IllegalTenantTransitionError,
  OffboardingNotConfirmedError,
  TenantNotFoundError,
  TenantVersionConflictError,
} from './tenant.errors';

/** List orders: newest first (the default), oldest first, or by display name either way. */
export const TENANT_SORTS = ['-createdAt', 'createdAt', 'displayName', '-displayName'] as const;
export type TenantSort = (typeof TENANT_SORTS)[number];

export interface TenantListQuery {
  readonly limit: number;
  readonly cursor?: string;
  readonly status?: readonly TenantStatus[];
  /** Only tenants needing attention for one of these reasons (e.g. `consent_revoked`). */
  readonly attentionReason?: readonly string[];
  /** Matches display name, primary domain or tenant id, case-insensitively. */
  readonly search?: string;
  readonly sort?: TenantSort;
}

export interface TenantPage {
  readonly items: Tenant[];
  readonly nextCursor: string | null;
}

export interface TransitionRequest {
  readonly reason: string;
  readonly actor: string;
  /** The stable code stored while the tenant needs attention. */
  readonly attentionReason?: string;
  /** Refuse the change if the tenant moved on since the caller read it. */
  readonly expectedVersion?: number;
  readonly details?: Record<string, unknown>;
}

export interface ConsentReceived {
  readonly tenantId: string;
  readonly displayName?: string;
  readonly primaryDomain?: string;
  readonly consentedAt: Date;
}

/** Owns the tenant lifecycle: every status change goes through here and leaves an event. */
@Injectable()
export class TenantRegistry {
  constructor(
    private readonly dataSource: DataSource,
    @InjectRepository(Tenant) private readonly tenants: Repository<Tenant>,
    @InjectTenantScopedRepository(TenantEvent) private readonly events: TenantScopedRepository<TenantEvent>,
    private readonly lifecycle: TenantLifecycleEvents,
  ) {}

  async get(tenantId: string): Promise<Tenant> {
    const tenant = await this.tenants.findOneBy({ tenantId: assertTenantId(tenantId) });
    if (!tenant) throw new TenantNotFoundError(tenantId);
    return tenant;
  }

  history(tenantId: string, limit = 100): Promise<TenantEvent[]> {
    return this.events.find(tenantId, { order: { occurredAt: 'DESC', id: 'DESC' }, take: limit });
  }

  async list(query: TenantListQuery): Promise<TenantPage> {
    const sort = query.sort ?? '-createdAt';
    const direction = sort.startsWith('-') ? 'DESC' : 'ASC';
    const byName = sort.endsWith('displayName');
    // The same expressions as the indexes, so a page is an index range scan.
    const key = byName ? `coalesce(tenant.displayName, '')` : 'tenant.createdAt';
    const builder = this.tenants
      .createQueryBuilder('tenant')
      .orderBy(key, direction)
      .addOrderBy('tenant.tenantId', direction)
      .take(query.limit + 1);
    if (query.status?.length) builder.andWhere('tenant.status IN (:...status)', { status: query.status });
    if (query.attentionReason?.length) {
      builder.andWhere('tenant.attentionReason IN (:...reasons)', { reasons: query.attentionReason });
    }
    if (query.search) {
      builder.andWhere(
        '(tenant.displayName ILIKE :pattern OR tenant.primaryDomain ILIKE :pattern OR CAST(tenant.tenantId AS text) ILIKE :pattern)',
        { pattern: containsPattern(query.search) },
      );
    }
    if (query.cursor) {
      // A cursor continues the order it was issued for, and holds a value of that order's kind: for
      // the creation order, an instant as issued (Date.parse also takes `+275760-…`, which PostgreSQL
      // refuses with an error of its own: a 500 instead of a bad cursor).
      const [cursorSort, value, tenantId] = KeysetCursor.decode(query.cursor, [
        'string',
        byName ? 'string' : 'timestamp',
        'uuid',
      ] as const);
      if (cursorSort !== sort) throw new InvalidCursorError();
      builder.andWhere(`(${key}, tenant.tenantId) ${direction === 'DESC' ? '<' : '>'} (:value, :tenantId)`, {
        value,
        tenantId,
      });
    }
    return KeysetCursor.page(await builder.getMany(), query.limit, (tenant) => [
      sort,
      byName ? (tenant.displayName ?? '') : tenant.createdAt.toISOString(),
      tenant.tenantId,
    ]);
  }

  /** How many tenants are in each status (every status present, zero or not). */
  async totals(): Promise<Record<TenantStatus, number>> {
    const rows = await this.tenants
      .createQueryBuilder('tenant')
      .select('tenant.status', 'status')
      .addSelect('count(*)::int', 'count')
      .groupBy('tenant.status')
      .getRawMany<{ status: TenantStatus; count: number }>();
    const totals = Object.fromEntries(TENANT_STATUSES.map((status) => [status, 0])) as Record<TenantStatus, number>;
    for (const row of rows) totals[row.status] = row.count;
    return totals;
  }

  /**
   * An admin consent came back for this tenant: a new tenant starts `pending`; a known one that
   * lost consent or was offboarded goes back to `pending` for verification; an active or paused
   * one keeps its status, and the re-consent is recorded.
   */
  async recordConsent(consent: ConsentReceived, actor: string): Promise<Tenant> {
    const tenantId = assertTenantId(consent.tenantId);
    let from: TenantStatus | null = null;
    const saved = await this.dataSource.transaction(async (manager) => {
      // Two callbacks for a new tenant can race: create-if-absent first, then lock the one row.
      const created = await manager.query<unknown[]>(
        `INSERT INTO tenants (tenant_id, status, version) VALUES ($1, 'pending', 0)
         ON CONFLICT (tenant_id) DO NOTHING RETURNING tenant_id`,
        [tenantId],
      );
      const tenant = await manager.findOneOrFail(Tenant, { where: { tenantId }, lock: { mode: 'pessimistic_write' } });
      from = created.length > 0 ? null : tenant.status;
      const to: TenantStatus = from === 'active' || from === 'paused' ? from : 'pending';
      tenant.displayName = consent.displayName ?? tenant.displayName ?? null;
      tenant.primaryDomain = consent.primaryDomain ?? tenant.primaryDomain ?? null;
      tenant.consentedAt = consent.consentedAt;
      tenant.status = to;
      if (to === 'pending') {
        // Nothing proven about this consent yet: verification fills these in again.
        tenant.attentionReason = null;
        tenant.verifiedAt = null;
        tenant.grantedRoles = [];
      }
      const saved = await manager.save(tenant);
      await this.events.withManager(manager).insert(tenantId, {
        fromStatus: from,
        toStatus: to,
        reason: from === null ? 'admin_consent_received' : 'admin_consent_renewed',
        actor,
        details: null,
      });
      return saved;
    });
    await this.lifecycle.publish({
      tenantId,
      from,
      to: saved.status,
      reason: from === null ? 'admin_consent_received' : 'admin_consent_renewed',
    });
    return saved;
  }

  pause(tenantId: string, actor: string, note?: string): Promise<Tenant> {
    return this.transition(tenantId, 'paused', {
      reason: 'operator_paused',
      actor,
      details: note ? { note } : undefined,
    });
  }

  /**
   * Stops serving the tenant for good (a new admin consent is the only way back). Its queued
   * jobs, schedules, synced data and tokens go with it, through the lifecycle event; the tenant
   * row and its events stay as a tombstone, and the audit trail is untouched.
   */
  offboard(tenantId: string, confirmTenantId: string, actor: string, note?: string): Promise<Tenant> {
    const id = assertTenantId(tenantId);
    if (typeof confirmTenantId !== 'string' || confirmTenantId.toLowerCase() !== id)
      throw new OffboardingNotConfirmedError(id);
    return this.transition(id, 'offboarded', {
      reason: 'operator_offboarded',
      actor,
      details: note ? { note } : undefined,
    });
  }

  /**
   * Verification proved the consent (a token for this tenant, with the required roles): the
   * tenant goes live, or — already live, after a re-consent — keeps going with the new roles.
   */
  async markVerified(
    tenantId: string,
    grantedRoles: readonly string[],
    actor: string,
    /** The directory's own name and default domain, when verification could read them. */
    organization?: { readonly displayName: string | null; readonly primaryDomain: string | null },
  ): Promise<Tenant> {
    const id = assertTenantId(tenantId);
    let from: TenantStatus | undefined;
    const saved = await this.dataSource.transaction(async (manager) => {
      const tenant = await manager.findOne(Tenant, { where: { tenantId: id }, lock: { mode: 'pessimistic_write' } });
      if (!tenant) throw new TenantNotFoundError(id);
      from = tenant.status;
      if (from !== 'active') assertTransition(id, from, 'active');
      tenant.status = 'active';
      tenant.attentionReason = null;
      tenant.verifiedAt = new Date();
      tenant.grantedRoles = [...grantedRoles];
      tenant.displayName = organization?.displayName ?? tenant.displayName;
      tenant.primaryDomain = organization?.primaryDomain ?? tenant.primaryDomain;
      const result = await manager.save(tenant);
      await this.events.withManager(manager).insert(id, {
        fromStatus: from,
        toStatus: 'active',
        reason: from === 'active' ? 'consent_reverified' : 'consent_verified',
        actor,
        details: { grantedRoles: [...grantedRoles] },
      });
      return result;
    });
    if (from !== 'active')
      await this.lifecycle.publish({ tenantId: id, from: from ?? null, to: 'active', reason: 'consent_verified' });
    return saved;
  }

  /**
   * Back to `active` only when the tenant was active when it was paused; otherwise to `pending`,
   * so a tenant paused while it needed attention proves its consent again before any job runs.
   */
  async resume(tenantId: string, actor: string, note?: string): Promise<Tenant> {
    const tenant = await this.get(tenantId);
    if (tenant.status !== 'paused') throw new IllegalTenantTransitionError(tenant.tenantId, tenant.status, 'active');
    const [pausedFrom] = await this.events.find(tenant.tenantId, {
      where: { toStatus: 'paused' },
      order: { occurredAt: 'DESC', id: 'DESC' },
      take: 1,
    });
    return this.transition(tenant.tenantId, pausedFrom?.fromStatus === 'active' ? 'active' : 'pending', {
      reason: 'operator_resumed',
      actor,
      expectedVersion: tenant.version,
      details: note ? { note } : undefined,
    });
  }

  async transition(tenantId: string, to: TenantStatus, request: TransitionRequest): Promise<Tenant> {
    const id = assertTenantId(tenantId);
    let from: TenantStatus | undefined;
    const saved = await this.dataSource.transaction(async (manager) => {
      const tenant = await manager.findOne(Tenant, { where: { tenantId: id }, lock: { mode: 'pessimistic_write' } });
      if (!tenant) throw new TenantNotFoundError(id);
      if (request.expectedVersion !== undefined && request.expectedVersion !== tenant.version) {
        throw new TenantVersionConflictError(id, request.expectedVersion, tenant.version);
      }
      from = tenant.status;
      assertTransition(id, from, to);
      tenant.status = to;
      tenant.attentionReason = to === 'needs_attention' ? (request.attentionReason ?? request.reason) : null;
      const saved = await manager.save(tenant);
      await this.events.withManager(manager).insert(id, {
        fromStatus: from,
        toStatus: to,
        reason: request.reason,
        actor: request.actor,
        details: request.details ?? null,
      });
      return saved;
    });
    await this.lifecycle.publish({ tenantId: id, from: from ?? null, to, reason: request.reason });
    return saved;
  }
}
