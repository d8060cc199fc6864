import type { Queue } from 'bullmq';
import { QueueBackend, QueueName, SYSTEM_PING_JOB, SystemPingResult } from '@tenantry/queue';
import { startTestApp, TestApp } from '@tenantry/testing';

/** A job enqueued by the API side is run by the worker side, on either backend. */
describe.each(['redis', 'postgres'] as const)('BullMQ on the %s backend', (backend) => {
  let platform: TestApp;
  let queue: Queue;

  beforeAll(async () => {
    platform = await startTestApp({ queue: backend });
    queue = platform.app.get(QueueBackend).createQueue(QueueName.System);
  });

  afterAll(() => platform.close());

  it('runs a job end to end', async () => {
    const sentAt = new Date().toISOString();
    const job = await queue.add(SYSTEM_PING_JOB, { sentAt });
    const deadline = Date.now() + 15_000;
    let result: SystemPingResult | undefined;
    while (!result && Date.now() < deadline) {
      const current = await queue.getJob(job.id as string);
      result = current?.returnvalue as SystemPingResult | undefined;
      if (!result) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(result).toEqual({ sentAt, workerPid: process.pid });
  });

  it('reports the backend as ready', async () => {
    expect(platform.app.get(QueueBackend).kind).toBe(backend);
    const response = await fetch(`${platform.baseUrl}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', info: { queue: { status: 'up', backend } } });
  });
});
