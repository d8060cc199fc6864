import { DataSource } from 'typeorm';
import { AuditEvent } from '@tenantry/audit';
import { dataSourceOptions, migrate } from '@tenantry/database';
import { ApiKey } from '@tenantry/operator-auth';
import { Tenant, TenantEvent } from '@tenantry/tenants';
import { createTestDatabase, TestDatabase } from '@tenantry/testing';
import { TenantTokenHealth, TokenCacheEntry, TokenLock } from '@tenantry/identity';
import { OnboardingLink } from '@tenantry/onboarding';
import { JobHold, JobRun, JobSchedule, TenantJobQueue } from '@tenantry/jobs';
import { DirectorySyncState, DirectoryUser } from '@tenantry/directory-sync';

const ENTITIES = [
  Tenant,
  TenantEvent,
  ApiKey,
  AuditEvent,
  TokenCacheEntry,
  TokenLock,
  TenantTokenHealth,
  OnboardingLink,
  JobRun,
  TenantJobQueue,
  JobHold,
  JobSchedule,
  DirectoryUser,
  DirectorySyncState,
];

describe('migrations', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await new DataSource(dataSourceOptions(database.url, { entities: ENTITIES })).initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  const tables = async () =>
    (
      await dataSource.query<{ tablename: string }[]>(
        `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'typeorm_migrations' ORDER BY 1`,
      )
    ).map((row) => row.tablename);

  it('apply to an empty database', async () => {
    expect(await tables()).toEqual([]);
    expect((await migrate(dataSource, 'up')).length).toBeGreaterThan(0);
    expect(await tables()).toEqual([
      'api_keys',
      'audit_events',
      'directory_sync_states',
      'directory_users',
      'job_holds',
      'job_runs',
      'job_schedules',
      'onboarding_links',
      'tenant_events',
      'tenant_job_queues',
      'tenant_token_health',
      'tenants',
      'token_cache',
      'token_locks',
    ]);
    expect(await migrate(dataSource, 'up')).toEqual([]);
  });

  it('leave exactly the schema the entities describe (what migration:generate would diff)', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });

  it('revert cleanly, one by one, and apply again', async () => {
    let reverted: string[];
    do {
      reverted = await migrate(dataSource, 'down');
    } while (reverted.length > 0);
    expect(await tables()).toEqual([]);
    await migrate(dataSource, 'up');
    expect(await tables()).toHaveLength(14);
  });
});
