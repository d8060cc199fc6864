import { Client } from 'pg';
import { DataSourceOptions } from 'typeorm';
import { ALL_MIGRATIONS } from '@tenantry/migrations';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/**
 * A connection that cannot crash the process. When the server ends a session (a restart, a
 * failover, an administrator) a pg client emits 'error'; the pool and TypeORM listen while a
 * client is idle or in use, but not in the moment a released client is handed to the next
 * caller, and an 'error' nobody listens to kills the process. Here one always listens: the
 * broken client still fails its next query, which is what the callers retry on.
 */
export class ResilientClient extends Client {
  constructor(...args: ConstructorParameters<typeof Client>) {
    super(...args);
    this.on('error', () => undefined);
  }
}

/** The one definition of how Tenantry talks to PostgreSQL: apps, CLI and tests all use it. */
export function dataSourceOptions(url: string, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: ALL_MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'all',
    namingStrategy: new SnakeNamingStrategy(),
    applicationName: 'tenantry',
    extra: { max: 10, Client: ResilientClient },
    ...extra,
  } as DataSourceOptions;
}
