import 'reflect-metadata';
import { DatabaseServer } from '@tenantry/database';
import { resolveIdentityPlatform, type ResolvedIdentityPlatform } from '@tenantry/entra-sim';
import { QueueBackend } from '@tenantry/queue';
import { ApiModule } from '../api/src/api.module';
import { startHttpProcess } from '../api/src/start-http-process';
import { WorkerModule } from '../worker/src/worker.module';

/**
 * `npm start`: the API and the worker in one process, on whatever the environment configures —
 * with nothing set, the embedded PostgreSQL, BullMQ on it, and the simulator as identity platform.
 */
async function main(): Promise<void> {
  let embedded: ResolvedIdentityPlatform | undefined;
  const { app, config } = await startHttpProcess([ApiModule, WorkerModule], async (settings) => {
    embedded = await resolveIdentityPlatform(settings);
    return embedded;
  });
  const identity = embedded as ResolvedIdentityPlatform;
  const base = config.http.publicBaseUrl;
  const simulator = identity.simulator;
  const lines = [
    '',
    `Tenantry is running at ${base}`,
    `  operator API   ${base}/api/v1   (OpenAPI: ${base}/docs)`,
    `  health         ${base}/health/ready`,
    `  database       ${app.get(DatabaseServer).isEmbedded ? `embedded PostgreSQL in ${config.database.dataDir}` : 'DATABASE_URL'}`,
    `  queue backend  ${app.get(QueueBackend).kind === 'redis' ? 'Redis (REDIS_URL)' : 'BullMQ on PostgreSQL'}`,
    simulator
      ? `  identity       simulator mode: entra-sim at ${simulator.authorityHost} (no AZURE_CLIENT_ID set)`
      : `  identity       Entra ID app ${identity.identity.clientId} at ${identity.identity.authorityHost}`,
    ...(simulator
      ? simulator.demo.tenants.map(
          (tenant) =>
            `                 demo tenant ${tenant.tenantId}  ${tenant.displayName}${tenant.consented ? '' : ' (no consent yet)'}`,
        )
      : []),
    '',
    'Get an admin API key (in another terminal):',
    '  npm run cli -- api-keys create --name admin --role admin',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

void main();
