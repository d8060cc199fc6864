// Run in a child process by embedded-concurrency.e2e-spec.ts (PGlite cannot load inside jest):
// several connections issue parameterised queries (the extended protocol: Parse, Bind, Execute,
// Sync) at once against the embedded server; every answer must be the caller's own.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { EmbeddedPostgres } from '@tenantry/database';

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'tenantry-concurrency-'));
  const embedded = await EmbeddedPostgres.start(dataDir);
  const pool = new Pool({ connectionString: embedded.url, max: 8 });
  let wrong = 0;
  try {
    await pool.query('CREATE TABLE probe (id int PRIMARY KEY, label text)');
    await Promise.all(
      Array.from({ length: 400 }, async (_, index) => {
        const label = `row-${index}`;
        await pool.query('INSERT INTO probe (id, label) VALUES ($1, $2)', [index, label]);
        // A simple query (no parameters) from another connection drops the unnamed prepared
        // statement of the session: interleaved, it would break the parameterised one.
        const [{ rows }] = await Promise.all([
          pool.query<{ label: string }>('SELECT label FROM probe WHERE id = $1', [index]),
          pool.query('SELECT 1'),
        ]);
        if (rows[0]?.label !== label) wrong += 1;
      }),
    );
    const client = await pool.connect();
    try {
      // A transaction on one connection while others keep querying: theirs wait, none interleave.
      await client.query('BEGIN');
      await client.query('UPDATE probe SET label = $1 WHERE id = $2', ['in-transaction', 0]);
      const others = Promise.all(Array.from({ length: 20 }, (_, index) => pool.query('SELECT $1::int AS n', [index])));
      await client.query('COMMIT');
      const answers = await others;
      answers.forEach((answer, index) => {
        if (answer.rows[0]?.n !== index) wrong += 1;
      });
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
    await embedded.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify({ wrong }) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
