import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { containsPattern, KeysetCursor, type KeysetPage } from '@tenantry/database';
import { assertTenantId } from '@tenantry/tenants';
import { DirectorySyncState, type SyncRoundKind } from './directory-sync-state.entity';
import { DirectoryUser } from './directory-user.entity';

export interface DirectorySummary {
  /** Users in the directory (not deleted). */
  readonly users: number;
  readonly enabled: number;
  readonly disabled: number;
  /** Users a sync saw removed (kept as tombstones). */
  readonly deleted: number;
  readonly lastSuccessAt: Date | null;
  readonly lastFullSyncAt: Date | null;
  readonly lastError: { readonly code: string; readonly message: string | null; readonly at: Date | null } | null;
  /** A round that has started and not finished (running, or waiting to resume). */
  readonly roundInProgress: {
    readonly kind: SyncRoundKind;
    readonly startedAt: Date | null;
    readonly pages: number;
    readonly users: number;
  } | null;
}

export interface DirectoryUserQuery {
  /** Matched, case-insensitively, anywhere in the UPN, display name or mail. */
  readonly search?: string;
  readonly includeDeleted?: boolean;
  readonly limit: number;
  readonly cursor?: string;
}

export type DirectoryUserPage = KeysetPage<DirectoryUser>;

/** The read side of the directory snapshot, for operators. */
@Injectable()
export class DirectorySnapshots {
  constructor(
    @InjectRepository(DirectoryUser) private readonly users: Repository<DirectoryUser>,
    @InjectRepository(DirectorySyncState) private readonly states: Repository<DirectorySyncState>,
  ) {}

  async summary(tenantId: string): Promise<DirectorySummary> {
    const id = assertTenantId(tenantId);
    const [[counts], state] = await Promise.all([
      this.users.query<{ users: number; enabled: number; deleted: number }[]>(
        `SELECT count(*) FILTER (WHERE deleted_at IS NULL)::int AS users,
                count(*) FILTER (WHERE deleted_at IS NULL AND account_enabled)::int AS enabled,
                count(*) FILTER (WHERE deleted_at IS NOT NULL)::int AS deleted
         FROM directory_users WHERE tenant_id = $1`,
        [id],
      ),
      this.states.findOne({ where: { tenantId: id } }),
    ]);
    return {
      users: counts.users,
      enabled: counts.enabled,
      disabled: counts.users - counts.enabled,
      deleted: counts.deleted,
      lastSuccessAt: state?.lastSuccessAt ?? null,
      lastFullSyncAt: state?.lastFullSyncAt ?? null,
      lastError: state?.lastErrorCode
        ? { code: state.lastErrorCode, message: state.lastErrorMessage, at: state.lastErrorAt }
        : null,
      roundInProgress: state?.roundKind
        ? { kind: state.roundKind, startedAt: state.roundStartedAt, pages: state.roundPages, users: state.roundUsers }
        : null,
    };
  }

  /** Users by UPN, keyset-paginated. */
  async listUsers(tenantId: string, query: DirectoryUserQuery): Promise<DirectoryUserPage> {
    const builder = this.users
      .createQueryBuilder('user')
      .where('user.tenantId = :tenantId', { tenantId: assertTenantId(tenantId) })
      .orderBy('user.userPrincipalName', 'ASC')
      .addOrderBy('user.objectId', 'ASC')
      .take(query.limit + 1);
    if (!query.includeDeleted) builder.andWhere('user.deletedAt IS NULL');
    if (query.search) {
      builder.andWhere(
        '(user.userPrincipalName ILIKE :pattern OR user.displayName ILIKE :pattern OR user.mail ILIKE :pattern)',
        { pattern: containsPattern(query.search) },
      );
    }
    if (query.cursor) {
      const [upn, objectId] = KeysetCursor.decode(query.cursor, ['string', 'uuid'] as const);
      builder.andWhere('(user.userPrincipalName, user.objectId) > (:upn, :objectId)', { upn, objectId });
    }
    return KeysetCursor.page(await builder.getMany(), query.limit, (user) => [user.userPrincipalName, user.objectId]);
  }
}
