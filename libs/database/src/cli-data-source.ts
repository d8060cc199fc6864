import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '@tenantry/config';
import { dataSourceOptions } from './data-source-options';
import { DatabaseServer } from './database-server';

/**
 * For TypeORM's own CLI (`npm run migration:generate`), which wants a module exporting a
 * DataSource. Entities are found by file name in the build output so this lib never imports the
 * libs above it.
 */
export const dataSource: Promise<DataSource> = (async () => {
  const config = loadConfig();
  const server = await DatabaseServer.resolve(config.database.url, config.database.dataDir);
  return new DataSource(
    dataSourceOptions(server.url, { entities: [join(__dirname, '..', '..', '*', 'src', '*.entity.js')] }),
  );
})();
