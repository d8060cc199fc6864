import { DynamicModule, Global, Inject, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '@tenantry/config';
import { APP_CONFIG } from '@tenantry/config';
import { dataSourceOptions } from './data-source-options';
import { DatabaseServer } from './database-server';
import { migrate } from './migrate';

@Global()
@Module({})
class DatabaseServerModule {
  static forRoot(): DynamicModule {
    return {
      module: DatabaseServerModule,
      providers: [
        {
          provide: DatabaseServer,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => DatabaseServer.resolve(config.database.url, config.database.dataDir),
        },
      ],
      exports: [DatabaseServer],
    };
  }
}

/** PostgreSQL for the whole application: the server (embedded or not), TypeORM, migrations. */
@Module({})
export class DatabaseModule implements OnModuleInit {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly server: DatabaseServer,
  ) {}

  static forRoot(): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        DatabaseServerModule.forRoot(),
        TypeOrmModule.forRootAsync({
          inject: [DatabaseServer],
          useFactory: (server: DatabaseServer) => ({ ...dataSourceOptions(server.url), autoLoadEntities: true }),
        }),
      ],
    };
  }

  async onModuleInit(): Promise<void> {
    this.server.attach(this.dataSource);
    if (this.config.database.migrateOnStart) await migrate(this.dataSource);
  }
}
