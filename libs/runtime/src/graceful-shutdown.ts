import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import type { Server } from 'node:http';
import { Logger } from '@nestjs/common';

/**
 * Closes the application on SIGTERM/SIGINT, and exits anyway if closing outlives the deadline:
 * an orchestrator would kill us then, and a stuck close must not hang a deploy.
 */
export function closeOnSignals(
  app: INestApplicationContext,
  deadlineMs: number,
  /** Runs after the application closed: what the entry point started outside Nest. */
  afterClose: () => Promise<void> = async () => undefined,
): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received; closing (deadline ${deadlineMs} ms)`);
    const timer = setTimeout(() => {
      logger.error(`Shutdown did not finish within ${deadlineMs} ms; exiting`);
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    stopAcceptingRequests(app)
      .then(() => app.close())
      .then(afterClose)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}

/**
 * Nest runs module shutdown hooks (workers draining, queues closing) before it stops the HTTP
 * server; stop taking requests first so none arrives to find its dependencies closed.
 */
function stopAcceptingRequests(app: INestApplicationContext): Promise<void> {
  const server = (app as Partial<INestApplication>).getHttpServer?.() as Server | undefined;
  if (!server?.listening) return Promise.resolve();
  return new Promise((resolve) => server.close(() => resolve()));
}
