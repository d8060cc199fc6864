import { setTimeout as sleep } from 'node:timers/promises';
import { JobsTestbed, startJobsTestbed } from '@tenantry/testing';
import { Journal, TEST_JOB_TYPES } from './support/test-job-types';

/**
 * A run already handed to BullMQ when its tenant is paused does not start: one worker slot, two
 * runs of the tenant dispatched, the tenant paused while the first runs.
 */
describe('a tenant paused after its run was dispatched', () => {
  let bed: JobsTestbed;

  beforeAll(async () => {
    bed = await startJobsTestbed({
      queue: 'redis',
      types: TEST_JOB_TYPES,
      env: { WORKER_CONCURRENCY: '1', JOBS_TENANT_CONCURRENCY: '2' },
    });
  });

  afterAll(() => bed?.close());

  it('keeps the waiting run from starting until the tenant is active again', async () => {
    Journal.reset();
    const tenantId = await bed.activeTenant();
    const [first, second] = await bed.jobs.enqueueMany(tenantId, [
      { type: 'test.record', payload: { key: 'first', sleepMs: 400 } },
      { type: 'test.record', payload: { key: 'second' } },
    ]);
    bed.startWorker();
    while (Journal.starts.length === 0) await sleep(5);
    expect(await bed.run(second.id)).toMatchObject({ status: 'dispatched' });
    await bed.registry.pause(tenantId, 'test');

    while ((await bed.run(first.id)).status !== 'succeeded') await sleep(20);
    await sleep(500);
    expect(Journal.starts.map((start) => start.key)).toEqual(['first']);
    expect(await bed.run(second.id)).toMatchObject({ status: 'queued', attempts: 0 });

    await bed.registry.resume(tenantId, 'test');
    await bed.drained();
    expect(Journal.starts.map((start) => start.key)).toEqual(['first', 'second']);
    expect(await bed.run(second.id)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});
