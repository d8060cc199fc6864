import { DataSource } from 'typeorm';

// One arbitrary constant: every Tenantry process that migrates takes the same advisory lock, so
// an api and a worker starting together never race on the same migration.
const MIGRATION_LOCK = 74_627_001;

export type MigrationDirection = 'up' | 'down';

/** Applies every pending migration (or reverts the last one); returns the names it touched. */
export async function migrate(dataSource: DataSource, direction: MigrationDirection = 'up'): Promise<string[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    if (direction === 'up') {
      return (await dataSource.runMigrations({ transaction: 'each' })).map((migration) => migration.name);
    }
    const [table] = await dataSource.query<{ present: boolean }[]>(
      `SELECT to_regclass('typeorm_migrations') IS NOT NULL AS present`,
    );
    if (!table?.present) return [];
    const [last] = await dataSource.query<{ name: string }[]>(
      'SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1',
    );
    if (!last?.name) return [];
    await dataSource.undoLastMigration({ transaction: 'each' });
    return [last.name];
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
}
