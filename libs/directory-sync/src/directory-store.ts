import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { assertTenantId } from '@tenantry/tenants';
import type { SyncRoundKind } from './directory-sync-state.entity';
import { DirectoryRoundSupersededError } from './directory-sync.errors';

/** The Graph user properties the sync keeps (`id` always comes); widen freely, no migration needed. */
export const SYNCED_USER_PROPERTIES = ['userPrincipalName', 'displayName', 'mail', 'accountEnabled'] as const;

/** A user as `users/delta` returns it: properties, or `@removed` for a deletion. */
export interface GraphUserChange {
  readonly id: string;
  readonly '@removed'?: { readonly reason?: string };
  readonly [property: string]: unknown;
}

export interface RoundCheckpoint {
  /** This sync's fencing token: its writes land only while it still owns the round. */
  readonly owner: string;
  readonly kind: SyncRoundKind;
  /** The page to fetch next. */
  readonly link: string;
  readonly pages: number;
  readonly users: number;
}

export interface StoredSyncState {
  /** A round that started and did not finish, to resume. */
  readonly round: { readonly kind: SyncRoundKind } | null;
  readonly deltaLink: string | null;
  /** The select the delta link was made with. */
  readonly deltaSelect: string | null;
}

export interface PageWritten {
  /** Rows this page inserted, changed or marked deleted. */
  readonly written: number;
  /** The round so far. */
  readonly pages: number;
  readonly users: number;
}

/** The columns listing and search use, each projected from a user's properties. */
const PROJECTED: readonly (readonly [column: string, of: (properties: string) => string])[] = [
  ['user_principal_name', (p) => `coalesce(${p}->>'userPrincipalName', '')`],
  ['display_name', (p) => `${p}->>'displayName'`],
  ['mail', (p) => `${p}->>'mail'`],
  ['account_enabled', (p) => `(${p}->>'accountEnabled')::boolean`],
];
const MERGED = `(d.properties || excluded.properties)`;

/**
 * Writes one page of a delta round and its checkpoint in one statement, so the snapshot and the
 * place to resume from cannot disagree after a crash. An unchanged user is not rewritten unless
 * a full round must mark it seen (`last_seen_at` before the round started); the round's end then
 * marks deleted whoever it did not see.
 */
const WRITE_PAGE = `
  WITH incoming AS (
    SELECT (e->>'id')::uuid AS object_id, e->'p' AS properties FROM jsonb_array_elements($2::jsonb) AS e
  ),
  full_round AS (
    SELECT round_started_at AS since FROM directory_sync_states WHERE tenant_id = $1 AND round_kind = 'full'
  ),
  upserted AS (
    INSERT INTO directory_users AS d (tenant_id, object_id, properties,
      ${PROJECTED.map(([column]) => column).join(', ')}, first_seen_at, last_seen_at, updated_at)
    SELECT $1, i.object_id, i.properties, ${PROJECTED.map(([, of]) => of('i.properties')).join(', ')}, now(), now(), now()
    FROM incoming i
    ON CONFLICT (tenant_id, object_id) DO UPDATE SET
      properties = ${MERGED},
      ${PROJECTED.map(([column, of]) => `${column} = ${of(MERGED)}`).join(', ')},
      deleted_at = NULL,
      last_seen_at = now(),
      updated_at = CASE WHEN ${MERGED} IS DISTINCT FROM d.properties OR d.deleted_at IS NOT NULL
                        THEN now() ELSE d.updated_at END
    WHERE ${MERGED} IS DISTINCT FROM d.properties
       OR d.deleted_at IS NOT NULL
       OR d.last_seen_at < (SELECT since FROM full_round)
    RETURNING 1
  ),
  removed AS (
    UPDATE directory_users SET deleted_at = now(), last_seen_at = now(), updated_at = now()
    WHERE tenant_id = $1 AND object_id = ANY($6::uuid[]) AND deleted_at IS NULL
    RETURNING 1
  ),
  checkpoint AS (
    UPDATE directory_sync_states
    SET round_link = $3, round_pages = round_pages + $5, round_users = round_users + $4, updated_at = now()
    WHERE tenant_id = $1
    RETURNING round_pages, round_users
  )
  SELECT (SELECT count(*) FROM upserted)::int + (SELECT count(*) FROM removed)::int AS written,
         (SELECT round_pages FROM checkpoint) AS pages, (SELECT round_users FROM checkpoint) AS users`;

/** Ends a round: a full one marks deleted the users it did not see; the delta link is kept. */
const FINISH_ROUND = `
  WITH swept AS (
    UPDATE directory_users d SET deleted_at = now(), updated_at = now()
    FROM directory_sync_states s
    WHERE s.tenant_id = $1 AND s.round_kind = 'full' AND d.tenant_id = $1
      AND d.last_seen_at < s.round_started_at AND d.deleted_at IS NULL
    RETURNING 1
  ),
  finished AS (
    UPDATE directory_sync_states
    SET delta_link = $2, delta_select = $3, round_kind = NULL, round_link = NULL, round_owner = NULL,
        round_started_at = NULL,
        last_success_at = now(),
        last_full_sync_at = CASE WHEN round_kind = 'full' THEN now() ELSE last_full_sync_at END,
        last_error_code = NULL, last_error_message = NULL, last_error_at = NULL, updated_at = now()
    WHERE tenant_id = $1
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM swept)::int AS swept, (SELECT count(*) FROM finished)::int AS finished`;

/** The write side of the directory snapshot: only the sync calls it. */
@Injectable()
export class DirectoryStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Where the tenant's sync stands: a round to resume, or the delta link to continue from. */
  async state(tenantId: string): Promise<StoredSyncState> {
    const [row] = await this.dataSource.query<
      {
        round_kind: SyncRoundKind | null;
        round_link: string | null;
        delta_link: string | null;
        delta_select: string | null;
      }[]
    >(`SELECT round_kind, round_link, delta_link, delta_select FROM directory_sync_states WHERE tenant_id = $1`, [
      assertTenantId(tenantId),
    ]);
    return {
      round: row?.round_kind && row.round_link ? { kind: row.round_kind } : null,
      deltaLink: row?.delta_link ?? null,
      deltaSelect: row?.delta_select ?? null,
    };
  }

  /** Takes over the round in progress for `owner` (a previous run stopped, or is presumed lost). */
  async claimRound(tenantId: string, owner: string): Promise<RoundCheckpoint | null> {
    // An UPDATE answers [rows, affected] through TypeORM.
    const [[row]] = await this.dataSource.query<
      [{ round_kind: SyncRoundKind; round_link: string; round_pages: number; round_users: number }[], number]
    >(
      `UPDATE directory_sync_states SET round_owner = $2, updated_at = now()
       WHERE tenant_id = $1 AND round_kind IS NOT NULL AND round_link IS NOT NULL
       RETURNING round_kind, round_link, round_pages, round_users`,
      [assertTenantId(tenantId), owner],
    );
    return row
      ? { owner, kind: row.round_kind, link: row.round_link, pages: row.round_pages, users: row.round_users }
      : null;
  }

  /**
   * Starts a round at `link` (a full round from the start, or incremental from the delta link),
   * owned by `owner`. Never for an offboarded tenant: the tenant's row is shared-locked, so an
   * offboarding either commits first (no round) or waits, and its purge then removes the round.
   */
  async startRound(tenantId: string, kind: SyncRoundKind, link: string, owner: string): Promise<RoundCheckpoint> {
    const started = await this.dataSource.query<unknown[]>(
      `WITH served AS (SELECT tenant_id FROM tenants WHERE tenant_id = $1 AND status <> 'offboarded' FOR SHARE),
       started AS (
         INSERT INTO directory_sync_states AS s
           (tenant_id, round_kind, round_link, round_owner, round_started_at, round_pages, round_users, updated_at)
         SELECT tenant_id, $2::text, $3::text, $4::uuid, now(), 0, 0, now() FROM served
         ON CONFLICT (tenant_id) DO UPDATE SET round_kind = $2, round_link = $3, round_owner = $4,
           round_started_at = now(), round_pages = 0, round_users = 0, updated_at = now(),
           -- a full round replaces the delta link it ends with; until then the old one is no use
           delta_link = CASE WHEN $2 = 'full' THEN NULL ELSE s.delta_link END
         RETURNING 1)
       SELECT 1 FROM started`,
      [assertTenantId(tenantId), kind, link, owner],
    );
    if (started.length === 0) throw new DirectoryRoundSupersededError(tenantId);
    return { owner, kind, link, pages: 0, users: 0 };
  }

  /** Writes pages that have a next one (their users, in order); `nextLink` becomes the checkpoint. */
  async writePages(
    round: RoundCheckpoint,
    tenantId: string,
    users: readonly GraphUserChange[],
    nextLink: string,
    pages: number,
  ): Promise<PageWritten> {
    return this.dataSource.transaction(async (manager) => {
      await this.holdRound(manager, tenantId, round);
      // Not waiting for the WAL flush is safe here: a commit lost to a database crash takes its
      // checkpoint with it, so the sync fetches those pages again; the snapshot never runs ahead
      // of its checkpoint. The round's last page (the delta link) is committed durably.
      await manager.query(`SET LOCAL synchronous_commit = off`);
      return this.write(manager, tenantId, users, nextLink, pages);
    });
  }

  /** Writes the round's last page and ends the round, in one transaction; `select` is remembered with the delta link. */
  async writeLastPage(
    round: RoundCheckpoint,
    tenantId: string,
    users: readonly GraphUserChange[],
    deltaLink: string,
    select: string,
  ): Promise<PageWritten & { swept: number }> {
    return this.dataSource.transaction(async (manager) => {
      await this.holdRound(manager, tenantId, round);
      const page = await this.write(manager, tenantId, users, null, 1);
      const [{ swept }] = await manager.query<{ swept: number }[]>(FINISH_ROUND, [
        assertTenantId(tenantId),
        deltaLink,
        select,
      ]);
      return { ...page, swept };
    });
  }

  /**
   * Remembers why the last sync failed, for operators; the round's checkpoint stays. An update
   * only: a tenant whose state was purged (offboarded) gets no row back.
   */
  async recordFailure(tenantId: string, code: string, message: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE directory_sync_states SET last_error_code = $2, last_error_message = $3, last_error_at = now(), updated_at = now()
       WHERE tenant_id = $1`,
      [assertTenantId(tenantId), code, message],
    );
  }

  /** Offboarded tenants whose directory is still here: their purge was missed (a crash, an outage). */
  async offboardedWithDirectory(): Promise<string[]> {
    const rows = await this.dataSource.query<{ tenant_id: string }[]>(
      `SELECT t.tenant_id FROM tenants t
       WHERE t.status = 'offboarded'
         AND (EXISTS (SELECT 1 FROM directory_users u WHERE u.tenant_id = t.tenant_id)
              OR EXISTS (SELECT 1 FROM directory_sync_states s WHERE s.tenant_id = t.tenant_id))`,
    );
    return rows.map((row) => row.tenant_id);
  }

  /** Forgets the tenant's directory (offboarding): users and sync state. */
  async purge(tenantId: string): Promise<number> {
    const id = assertTenantId(tenantId);
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM directory_sync_states WHERE tenant_id = $1`, [id]);
      const [, deleted] = await manager.query<[unknown, number]>(`DELETE FROM directory_users WHERE tenant_id = $1`, [
        id,
      ]);
      return deleted;
    });
  }

  /**
   * Locks the tenant's sync state for the transaction, if `round` still owns it. The purge deletes
   * that row first, so a write and a purge never interleave: whichever comes second sees the other.
   */
  private async holdRound(manager: EntityManager, tenantId: string, round: RoundCheckpoint): Promise<void> {
    const held = await manager.query<unknown[]>(
      `SELECT 1 FROM directory_sync_states WHERE tenant_id = $1 AND round_owner = $2 FOR UPDATE`,
      [assertTenantId(tenantId), round.owner],
    );
    if (held.length === 0) throw new DirectoryRoundSupersededError(tenantId);
  }

  private async write(
    manager: EntityManager,
    tenantId: string,
    users: readonly GraphUserChange[],
    nextLink: string | null,
    pages: number,
  ): Promise<PageWritten> {
    const rows = toPageRows(users);
    const [row] = await manager.query<PageWritten[]>(WRITE_PAGE, [
      assertTenantId(tenantId),
      JSON.stringify(rows.filter((user) => !user.r)),
      nextLink,
      users.length,
      pages,
      rows.filter((user) => user.r).map((user) => user.id),
    ]);
    return row;
  }
}

/**
 * What the statement reads: per user, its id, whether it was removed, and the synced properties
 * the answer carried (absent ones are kept from before). Graph may repeat a user within a
 * round; within one batch of pages the last answer wins, as one row cannot be written twice per
 * statement.
 */
export function toPageRows(
  users: readonly GraphUserChange[],
): { id: string; r: boolean; p: Record<string, unknown> }[] {
  const rows = new Map<string, { id: string; r: boolean; p: Record<string, unknown> }>();
  for (const user of users) {
    const id = String(user.id).toLowerCase();
    if (user['@removed']) {
      rows.set(id, { id, r: true, p: {} });
      continue;
    }
    const properties: Record<string, unknown> = {};
    for (const name of SYNCED_USER_PROPERTIES) if (name in user) properties[name] = user[name];
    const earlier = rows.get(id);
    rows.set(id, { id, r: false, p: earlier && !earlier.r ? { ...earlier.p, ...properties } : properties });
  }
  return [...rows.values()];
}
