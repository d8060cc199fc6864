import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig, ConfigModule, IdentityPlatform } from '@tenantry/config';
import { DatabaseModule } from '@tenantry/database';
import { QueueModule } from '@tenantry/queue';
import { loggingOptions } from './logging.options';

/**
 * What every Tenantry process stands on: validated config, structured logs, PostgreSQL and the
 * queue backend. Imported once by each entry point's root module, so a process that runs both the
 * API and the worker still has one connection pool and one queue backend.
 */
@Module({})
export class RuntimeModule {
  static forRoot(config: AppConfig, identity?: IdentityPlatform): DynamicModule {
    return {
      module: RuntimeModule,
      imports: [
        ConfigModule.forRoot(config, identity),
        LoggerModule.forRoot(loggingOptions(config)),
        DatabaseModule.forRoot(),
        QueueModule,
      ],
      exports: [ConfigModule, DatabaseModule, QueueModule],
    };
  }
}
