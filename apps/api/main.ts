import 'reflect-metadata';
import { identityPlatformOrExit } from '@tenantry/runtime';
import { ApiModule } from './src/api.module';
import { startHttpProcess } from './src/start-http-process';

/** The API process on its own (production); `npm start` runs apps/standalone instead. */
void startHttpProcess([ApiModule], async (config) => ({
  identity: identityPlatformOrExit(config),
  stop: async () => undefined,
}));
