import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import type { RunningEntraSim, SimUserSeed } from '@tenantry/entra-sim';
import type { JobsTestbed } from '@tenantry/testing';

export const SYNC_TYPE = 'directory.users-sync';

/** A simulator tenant with `users` users, consented to the demo app. */
export function seedDirectory(
  sim: RunningEntraSim,
  users: number,
  name = `Tenant ${randomUUID().slice(0, 8)}`,
): string {
  const tenantId = randomUUID();
  const domain = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '')}.onmicrosoft.com`;
  sim.state.upsertTenant({
    tenantId,
    displayName: name,
    domain,
    consents: [{ clientId: sim.demo.clientId }],
    users: Array.from({ length: users }, (_, index): SimUserSeed => ({
      displayName: `User ${index}`,
      userPrincipalName: `user${index}@${domain}`,
      accountEnabled: index % 10 !== 0,
    })),
  });
  return tenantId;
}

/** Registers the tenant and makes it active, as a verified onboarding does (its first sync is enqueued). */
export async function activate(bed: JobsTestbed, tenantId: string): Promise<void> {
  await bed.registry.recordConsent({ tenantId, consentedAt: new Date() }, 'test');
  await bed.registry.transition(tenantId, 'active', { reason: 'consent_verified', actor: 'test' });
}

export interface SyncRun {
  id: string;
  status: string;
  attempts: number;
  error_code: string | null;
  progress: Record<string, number> | null;
}

/** The tenant's sync runs, oldest first. */
export async function syncRuns(dataSource: DataSource, tenantId: string): Promise<SyncRun[]> {
  return dataSource.query(
    `SELECT id::text AS id, status, attempts, error_code, progress FROM job_runs
     WHERE tenant_id = $1 AND type = $2 ORDER BY id`,
    [tenantId, SYNC_TYPE],
  );
}

/** Waits for one run to finish, and returns it. */
export async function finishedRun(bed: JobsTestbed, runId: string, timeoutMs = 60_000): Promise<SyncRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [run] = await bed.dataSource.query<SyncRun[]>(
      `SELECT id::text AS id, status, attempts, error_code, progress FROM job_runs WHERE id = $1`,
      [runId],
    );
    if (run && ['succeeded', 'failed', 'cancelled'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} not finished: ${JSON.stringify(run)}`);
    await sleep(25);
  }
}

/** Waits until none of the tenant's runs is queued or under way (a schedule's included). */
export async function idle(bed: JobsTestbed, tenantId: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ n }] = await bed.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM job_runs WHERE tenant_id = $1 AND status IN ('queued', 'dispatched', 'running')`,
      [tenantId],
    );
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${tenantId} still has ${n} runs under way`);
    await sleep(25);
  }
}

/** Waits for the tenant's `n`th sync run (1-based) to finish, and returns it. */
export async function finishedSync(
  bed: JobsTestbed,
  tenantId: string,
  n: number,
  timeoutMs = 60_000,
): Promise<SyncRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await syncRuns(bed.dataSource, tenantId))[n - 1];
    if (run && ['succeeded', 'failed', 'cancelled'].includes(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`sync run #${n} of ${tenantId} not finished: ${JSON.stringify(run)}`);
    await sleep(25);
  }
}

export interface SnapshotRow {
  object_id: string;
  user_principal_name: string;
  display_name: string | null;
  mail: string | null;
  account_enabled: boolean | null;
  deleted: boolean;
}

/** The tenant's synced users, live ones and tombstones, by object id. */
export async function snapshotOf(dataSource: DataSource, tenantId: string): Promise<Map<string, SnapshotRow>> {
  const rows = await dataSource.query<SnapshotRow[]>(
    `SELECT object_id, user_principal_name, display_name, mail, account_enabled, deleted_at IS NOT NULL AS deleted
     FROM directory_users WHERE tenant_id = $1`,
    [tenantId],
  );
  return new Map(rows.map((row) => [row.object_id, row]));
}

/** The live users of the snapshot as the simulator's directory has them, sorted by id. */
export async function liveUsers(dataSource: DataSource, tenantId: string): Promise<Omit<SnapshotRow, 'deleted'>[]> {
  return [...(await snapshotOf(dataSource, tenantId)).values()]
    .filter((row) => !row.deleted)
    .map(({ deleted: _deleted, ...row }) => row)
    .sort((a, b) => a.object_id.localeCompare(b.object_id));
}

/** What the snapshot's live users must be: the simulator's directory, sorted by id. */
export function directoryOf(sim: RunningEntraSim, tenantId: string): Omit<SnapshotRow, 'deleted'>[] {
  return sim.state
    .listUsers(tenantId)
    .map((user) => ({
      object_id: user.id,
      user_principal_name: user.userPrincipalName,
      display_name: user.displayName,
      mail: user.mail,
      account_enabled: user.accountEnabled,
    }))
    .sort((a, b) => a.object_id.localeCompare(b.object_id));
}

/** Pages written so far by the tenant's round in progress (0 when none). */
export async function roundPages(dataSource: DataSource, tenantId: string): Promise<number> {
  const [row] = await dataSource.query<{ round_pages: number }[]>(
    `SELECT round_pages FROM directory_sync_states WHERE tenant_id = $1 AND round_kind IS NOT NULL`,
    [tenantId],
  );
  return row?.round_pages ?? 0;
}
