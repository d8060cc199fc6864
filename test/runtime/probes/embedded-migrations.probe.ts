// Run in a child process by embedded-concurrency.e2e-spec.ts (PGlite cannot load inside jest):
// three processes' worth of DataSources migrate one fresh embedded database at the same moment,
// as `npm start` and CLI commands started together do. Every migration must run exactly once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { EmbeddedPostgres, dataSourceOptions, migrate } from '@tenantry/database';

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tenantry-migrations-'));
  const embedded = await EmbeddedPostgres.start(dataDir);
  const sources = Array.from({ length: 3 }, () => new DataSource(dataSourceOptions(embedded.url)));
  try {
    await Promise.all(sources.map((source) => source.initialize()));
    const outcomes = await Promise.allSettled(sources.map((source) => migrate(source)));
    const failures = outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [String((outcome.reason as Error).message)] : [],
    );
    const applied = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
    const [{ count }] = await sources[0].query<{ count: number }[]>(
      'SELECT count(*)::int AS count FROM typeorm_migrations',
    );
    process.stdout.write(JSON.stringify({ failures, applied: applied.length, recorded: count }) + '\n');
  } finally {
    await Promise.all(sources.map((source) => (source.isInitialized ? source.destroy() : undefined)));
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
