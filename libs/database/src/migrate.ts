import { DataSource, MigrationExecutor } from 'typeorm';

// One arbitrary constant: every Tenantry process that migrates takes the same advisory lock, so
// an api and a worker starting together never race on the same migration.
const MIGRATION_LOCK = 74_627_001;

export type MigrationDirection = 'up' | 'down';

/**
 * Applies every pending migration (or reverts the last one); returns the names it touched.
 *
 * Reading which migrations ran and applying the rest happen in one transaction that first takes a
 * transaction-scoped advisory lock. On a server, that lock makes concurrent migrators take turns.
 * The embedded server multiplexes every connection onto one session, where an advisory lock
 * excludes nobody (a session-level lock taken outside the transaction let two processes both
 * apply the same migration); there the open transaction itself holds the other connections back.
 */
export async function migrate(dataSource: DataSource, direction: MigrationDirection = 'up'): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'all';
    let touched: string[];
    if (direction === 'up') {
      touched = (await executor.executePendingMigrations()).map((migration) => migration.name);
    } else {
      const [last] = await executor.getExecutedMigrations();
      await executor.undoLastMigration();
      touched = last ? [last.name] : [];
    }
    await runner.commitTransaction();
    return touched;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}
