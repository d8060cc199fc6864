import { ALL_MIGRATIONS } from '@tenantry/migrations';
import { runEntryPoint } from '@tenantry/testing';

/**
 * The embedded server multiplexes every connection onto PGlite's one session; concurrent
 * parameterised queries, simple queries and a transaction must each see only their own results.
 * Runs in a child process (PGlite cannot load inside jest).
 */
describe('the embedded database under concurrent connections', () => {
  it('answers every caller with its own rows', async () => {
    const run = await runEntryPoint('test/runtime/probes/embedded-concurrency.probe.ts', [], {}, 90_000);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1) as string)).toEqual({ wrong: 0 });
  });

  it('applies each migration once when several connections migrate a fresh database together', async () => {
    const run = await runEntryPoint('test/runtime/probes/embedded-migrations.probe.ts', [], {}, 90_000);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    expect(result).toEqual({ failures: [], applied: ALL_MIGRATIONS.length, recorded: ALL_MIGRATIONS.length });
  });
});
