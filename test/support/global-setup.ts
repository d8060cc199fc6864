import { Client } from 'pg';

/**
 * Before a run: drop test databases left by runs that were killed before their cleanup (the
 * owning process id is part of each name), so a crashed run never leaks into the next.
 */
export default async function globalSetup(): Promise<void> {
  const client = new Client({
    connectionString: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE 'tenantry\\_test\\_%'`,
    );
    for (const { datname } of rows) {
      const pid = Number(/^tenantry_test_(\d+)_[0-9a-f]+$/.exec(datname)?.[1]);
      if (!Number.isInteger(pid) || isAlive(pid)) continue;
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
