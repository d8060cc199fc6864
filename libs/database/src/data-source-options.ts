import { DataSourceOptions } from 'typeorm';
import { ALL_MIGRATIONS } from '@tenantry/migrations';
import { SnakeNamingStrategy } from './snake-naming.strategy';

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
    extra: { max: 10 },
    ...extra,
  } as DataSourceOptions;
}
