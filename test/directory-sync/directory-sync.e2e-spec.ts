import { randomUUID } from 'node:crypto';
import {
  DirectoryPurgeListener,
  DirectoryRoundSupersededError,
  DirectoryStore,
  DirectorySync,
  DirectorySyncModule,
  DirectoryUsersSyncJob,
} from '@tenantry/directory-sync';
import { GraphClients } from '@tenantry/graph';
import { JobsTestbed, startJobsTestbed } from '@tenantry/testing';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  activate,
  directoryOf,
  finishedRun,
  finishedSync,
  idle,
  liveUsers,
  roundPages,
  seedDirectory,
  snapshotOf,
  SYNC_TYPE,
} from './support/directory-fixtures';

/** Row versions (`xmin`) by object id: what a sync rewrote shows as a changed version. */
async function rowVersions(bed: JobsTestbed, tenantId: string): Promise<Map<string, string>> {
  const rows = await bed.dataSource.query<{ object_id: string; version: string }[]>(
    `SELECT object_id, xmin::text AS version FROM directory_users WHERE tenant_id = $1`,
    [tenantId],
  );
  return new Map(rows.map((row) => [row.object_id, row.version]));
}

/** What is kept of a tenant's directory: its users' rows and its sync state. */
async function heldOf(bed: JobsTestbed, tenantId: string): Promise<{ users: number; states: number }> {
  const [held] = await bed.dataSource.query<{ users: number; states: number }[]>(
    `SELECT (SELECT count(*)::int FROM directory_users WHERE tenant_id = $1) AS users,
            (SELECT count(*)::int FROM directory_sync_states WHERE tenant_id = $1) AS states`,
    [tenantId],
  );
  return held;
}

function rewritten(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after]
    .filter(([id, version]) => before.get(id) !== version)
    .map(([id]) => id)
    .sort();
}

describe('directory users sync', () => {
  let bed: JobsTestbed;

  beforeAll(async () => {
    bed = await startJobsTestbed({ queue: 'redis', types: [DirectoryUsersSyncJob], imports: [DirectorySyncModule] });
    bed.startWorker();
  });

  afterAll(() => bed?.close());

  /** One more sync, once nothing else of the tenant's runs (a schedule's first firing, say). */
  const syncAgain = async (tenantId: string, payload: Record<string, unknown> = {}) => {
    await idle(bed, tenantId);
    const run = await bed.jobs.enqueue(tenantId, { type: SYNC_TYPE, payload });
    return finishedRun(bed, run.id);
  };

  it('syncs 10,000 users over many pages exactly, once on activation', async () => {
    const tenantId = seedDirectory(bed.sim, 10_000);
    await activate(bed, tenantId);

    const run = await finishedSync(bed, tenantId, 1);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(run.progress).toEqual({ pages: 50, users: 10_000, written: 10_000 });
    expect(await liveUsers(bed.dataSource, tenantId)).toEqual(directoryOf(bed.sim, tenantId));
    const [schedule] = await bed.dataSource.query(
      `SELECT every_ms, origin FROM job_schedules WHERE tenant_id = $1 AND type = $2`,
      [tenantId, SYNC_TYPE],
    );
    expect(schedule).toEqual({ every_ms: 6 * 3_600_000, origin: 'default' });
  }, 120_000);

  it('syncs adds, updates and deletions between runs as changes only, and nothing when nothing changed', async () => {
    const tenantId = seedDirectory(bed.sim, 1_000);
    await activate(bed, tenantId);
    await finishedSync(bed, tenantId, 1);
    await idle(bed, tenantId);
    const before = await rowVersions(bed, tenantId);
    const users = bed.sim.state.listUsers(tenantId);

    const added = [0, 1, 2].map((i) => bed.sim.state.upsertUser(tenantId, { displayName: `New ${i}` }).id);
    bed.sim.state.updateUser(tenantId, users[10].id, { displayName: 'Renamed Ten' });
    bed.sim.state.updateUser(tenantId, users[11].id, { mail: null });
    bed.sim.state.updateUser(tenantId, users[12].id, { accountEnabled: !users[12].accountEnabled });
    bed.sim.state.deleteUser(tenantId, users[20].id);
    bed.sim.state.deleteUser(tenantId, users[21].id);
    bed.sim.state.deleteUser(tenantId, users[22].id, { permanent: true });

    const second = await syncAgain(tenantId);
    expect(second).toMatchObject({ status: 'succeeded' });
    expect(second.progress).toEqual({ pages: 1, users: 9, written: 9 });
    expect(await liveUsers(bed.dataSource, tenantId)).toEqual(directoryOf(bed.sim, tenantId));
    const snapshot = await snapshotOf(bed.dataSource, tenantId);
    expect([20, 21, 22].map((i) => snapshot.get(users[i].id)?.deleted)).toEqual([true, true, true]);
    const afterSecond = await rowVersions(bed, tenantId);
    expect(rewritten(before, afterSecond)).toEqual(
      [...added, ...[10, 11, 12, 20, 21, 22].map((i) => users[i].id)].sort(),
    );

    const third = await syncAgain(tenantId);
    expect(third.progress).toEqual({ pages: 1, users: 0, written: 0 });
    expect(rewritten(afterSecond, await rowVersions(bed, tenantId))).toEqual([]);
  }, 60_000);

  it('recovers from an expired delta link with a full resync that ends as a fresh sync would', async () => {
    const tenantId = seedDirectory(bed.sim, 600);
    await activate(bed, tenantId);
    await finishedSync(bed, tenantId, 1);
    await idle(bed, tenantId);
    const users = bed.sim.state.listUsers(tenantId);
    // Changes Graph will never report as changes: the delta state they happened in is lost.
    bed.sim.state.invalidateDeltaTokens(tenantId);
    for (const user of users.slice(0, 5)) bed.sim.state.deleteUser(tenantId, user.id);
    bed.sim.state.updateUser(tenantId, users[5].id, { displayName: 'Changed while lost' });
    bed.sim.state.upsertUser(tenantId, { displayName: 'Born while lost' });

    const run = await syncAgain(tenantId);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(run.progress).toMatchObject({ pages: 3, users: 596 });
    expect(await liveUsers(bed.dataSource, tenantId)).toEqual(directoryOf(bed.sim, tenantId));
    const snapshot = await snapshotOf(bed.dataSource, tenantId);
    expect(users.slice(0, 5).map((user) => snapshot.get(user.id)?.deleted)).toEqual([true, true, true, true, true]);

    // The resync stored a working delta link again: the next run is incremental.
    bed.sim.state.updateUser(tenantId, users[6].id, { displayName: 'After the resync' });
    expect((await syncAgain(tenantId)).progress).toEqual({ pages: 1, users: 1, written: 1 });
  }, 60_000);

  it('walks everything again when the delta link was made with another $select', async () => {
    const tenantId = seedDirectory(bed.sim, 300);
    await activate(bed, tenantId);
    await finishedSync(bed, tenantId, 1);
    await idle(bed, tenantId);
    // As a deployment that synced fewer properties before this one left it.
    await bed.dataSource.query(
      `UPDATE directory_sync_states SET delta_select = '/users/delta?$select=id,displayName' WHERE tenant_id = $1`,
      [tenantId],
    );
    expect((await syncAgain(tenantId)).progress).toMatchObject({ pages: 2, users: 300 });
    expect((await syncAgain(tenantId)).progress).toEqual({ pages: 1, users: 0, written: 0 });
  }, 60_000);

  it('starts over when its saved delta link and checkpoint point at another Graph endpoint', async () => {
    const tenantId = seedDirectory(bed.sim, 300);
    await activate(bed, tenantId);
    await finishedSync(bed, tenantId, 1);
    await idle(bed, tenantId);
    // As Graph (here, an embedded simulator restarted on another port) answered before: a link
    // there is never followed, so the state saved against it is lost, as an expired one is.
    const elsewhere = (column: string) =>
      `regexp_replace(${column}, '^https://[^/]+', 'https://graph.elsewhere.example')`;
    await bed.dataSource.query(
      `UPDATE directory_sync_states SET delta_link = ${elsewhere('delta_link')} WHERE tenant_id = $1`,
      [tenantId],
    );
    const users = bed.sim.state.listUsers(tenantId);
    bed.sim.state.deleteUser(tenantId, users[0].id);
    const run = await syncAgain(tenantId);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(run.progress).toMatchObject({ pages: 2, users: 299 });
    expect(await liveUsers(bed.dataSource, tenantId)).toEqual(directoryOf(bed.sim, tenantId));

    // A round left half-way against the old endpoint is not resumed there either.
    await bed.dataSource.query(
      `UPDATE directory_sync_states SET round_kind = 'incremental', round_link = ${elsewhere('delta_link')},
         round_owner = gen_random_uuid(), round_started_at = now() WHERE tenant_id = $1`,
      [tenantId],
    );
    const resumed = await syncAgain(tenantId);
    expect(resumed).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(resumed.progress).toMatchObject({ pages: 2, users: 299 });
    expect((await syncAgain(tenantId)).progress).toEqual({ pages: 1, users: 0, written: 0 });
  }, 60_000);

  it('completes through a 429 storm mid-sync with the right state, slowing only the throttled tenant', async () => {
    const stormy = seedDirectory(bed.sim, 5_000);
    const calm = seedDirectory(bed.sim, 5_000);
    // Slow enough that the storm lands mid-round.
    bed.sim.faults.add({ tenant: stormy, endpoint: 'graph.delta', latencyMs: 30 });
    await activate(bed, stormy);
    await activate(bed, calm);
    while ((await roundPages(bed.dataSource, stormy)) < 3) await sleep(5);
    // More 429s than the client retries in place: the runtime takes over, then resumes the round.
    bed.sim.faults.add({ tenant: stormy, endpoint: 'graph.delta', status: 429, retryAfterSeconds: 1, count: 5 });

    const [stormyRun, calmRun] = await Promise.all([finishedSync(bed, stormy, 1), finishedSync(bed, calm, 1)]);
    bed.sim.faults.clear();
    expect(stormyRun).toMatchObject({ status: 'succeeded', progress: { pages: 25, users: 5_000 } });
    expect(calmRun).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(await liveUsers(bed.dataSource, stormy)).toEqual(directoryOf(bed.sim, stormy));
    expect(await liveUsers(bed.dataSource, calm)).toEqual(directoryOf(bed.sim, calm));
    // Every page was fetched once: the run resumed from its checkpoint, not from the start.
    expect(bed.sim.counters.get(stormy, 'graph.delta')).toBe(25 + 5);
    const throttles = await bed.dataSource.query<{ tenant_id: string; throttle_reason: string | null }[]>(
      `SELECT tenant_id, throttle_reason FROM tenant_job_queues WHERE tenant_id IN ($1, $2)`,
      [stormy, calm],
    );
    expect(Object.fromEntries(throttles.map((row) => [row.tenant_id, row.throttle_reason]))).toEqual({
      [stormy]: 'graph_throttled',
      [calm]: null,
    });
  }, 60_000);

  it('keeps two tenants syncing at once apart', async () => {
    const first = seedDirectory(bed.sim, 2_000);
    const second = seedDirectory(bed.sim, 2_000);
    await Promise.all([activate(bed, first), activate(bed, second)]);
    await Promise.all([finishedSync(bed, first, 1), finishedSync(bed, second, 1)]);

    expect(await liveUsers(bed.dataSource, first)).toEqual(directoryOf(bed.sim, first));
    expect(await liveUsers(bed.dataSource, second)).toEqual(directoryOf(bed.sim, second));
    const firstIds = new Set(bed.sim.state.listUsers(first).map((user) => user.id));
    expect([...(await snapshotOf(bed.dataSource, second)).keys()].filter((id) => firstIds.has(id))).toEqual([]);
  }, 60_000);

  it('lets only the newest of two overlapping syncs write, and ends exactly in step', async () => {
    // Registered but not active: no sync of its own is enqueued, the test runs them by hand.
    const tenantId = seedDirectory(bed.sim, 3_000);
    await bed.registry.recordConsent({ tenantId, consentedAt: new Date() }, 'test');
    bed.sim.faults.add({ tenant: tenantId, endpoint: 'graph.delta', latencyMs: 40 });
    const sync = bed.app.get(DirectorySync);
    const graph = bed.app.get(GraphClients).forTenant(tenantId);

    const first = sync.sync(graph);
    while ((await roundPages(bed.dataSource, tenantId)) < 2) await sleep(5);
    // As a run whose lease expired is run again while the first is still alive.
    const second = sync.sync(graph);
    const outcomes = await Promise.allSettled([first, second]);
    bed.sim.faults.clear();

    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: expect.any(DirectoryRoundSupersededError) });
    expect(outcomes[1]).toMatchObject({ status: 'fulfilled', value: { resumed: true, kind: 'full', users: 3_000 } });
    expect(await liveUsers(bed.dataSource, tenantId)).toEqual(directoryOf(bed.sim, tenantId));
  }, 60_000);

  it('leaves nothing of an offboarded tenant behind, even when its sync was running', async () => {
    const tenantId = seedDirectory(bed.sim, 5_000);
    bed.sim.faults.add({ tenant: tenantId, endpoint: 'graph.delta', latencyMs: 40 });
    await activate(bed, tenantId);
    while ((await roundPages(bed.dataSource, tenantId)) < 3) await sleep(5);
    await bed.registry.offboard(tenantId, tenantId, 'test');

    // The run stops at its next token request (no tokens for an offboarded tenant) or its next
    // write (its round went with the purge), whichever comes first; neither leaves anything.
    const run = await finishedSync(bed, tenantId, 1);
    bed.sim.faults.clear();
    expect([
      { status: 'failed', error_code: 'tenant_not_served' },
      { status: 'succeeded', error_code: null },
    ]).toContainEqual({ status: run.status, error_code: run.error_code });
    expect(await heldOf(bed, tenantId)).toEqual({ users: 0, states: 0 });
  }, 60_000);

  it('purges what an offboarding left behind (its event missed) at the next sweep, and nothing else', async () => {
    const kept = seedDirectory(bed.sim, 20);
    await activate(bed, kept);
    await finishedSync(bed, kept, 1);
    // Never activated, so no sync of its own is under way.
    const gone = randomUUID();
    await bed.registry.recordConsent({ tenantId: gone, consentedAt: new Date() }, 'test');
    await bed.registry.offboard(gone, gone, 'test');
    // As if the process had stopped before the offboarding's purge: rows and state written after it.
    await bed.dataSource.query(
      `INSERT INTO directory_users (tenant_id, object_id, properties, user_principal_name, first_seen_at, last_seen_at, updated_at)
       VALUES ($1, gen_random_uuid(), '{}', 'left@behind.example', now(), now(), now())`,
      [gone],
    );
    await bed.dataSource.query(`INSERT INTO directory_sync_states (tenant_id) VALUES ($1)`, [gone]);

    expect(await bed.app.get(DirectoryPurgeListener).sweep()).toBe(1);
    expect(await heldOf(bed, gone)).toEqual({ users: 0, states: 0 });
    expect(await heldOf(bed, kept)).toEqual({ users: 20, states: 1 });
    expect(await bed.app.get(DirectoryPurgeListener).sweep()).toBe(0);
  }, 60_000);

  it('starts no round for an offboarded tenant (a sync that began just before its offboarding)', async () => {
    const gone = randomUUID();
    await bed.registry.recordConsent({ tenantId: gone, consentedAt: new Date() }, 'test');
    await bed.registry.offboard(gone, gone, 'test');
    await expect(
      bed.app.get(DirectoryStore).startRound(gone, 'full', '/v1.0/users/delta', randomUUID()),
    ).rejects.toBeInstanceOf(DirectoryRoundSupersededError);
    expect(await heldOf(bed, gone)).toEqual({ users: 0, states: 0 });
  });
});
