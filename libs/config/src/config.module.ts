import { DynamicModule, Global, Module, ValueProvider } from '@nestjs/common';
import { AppConfig } from './app-config';
import { APP_CONFIG } from './config.token';
import { IDENTITY_PLATFORM, IdentityPlatform, identityPlatformOf } from './identity-platform';
import { loadConfig } from './load-config';

/** Provides the validated `AppConfig` and the identity platform everywhere; built once by the entry point. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig = loadConfig(), identity?: IdentityPlatform): DynamicModule {
    const providers: ValueProvider[] = [{ provide: APP_CONFIG, useValue: config }];
    // In simulator mode only the entry point that started the simulator can describe it; a
    // process that started none (the CLI) has no identity platform to offer.
    if (identity || config.azure.mode === 'entra') {
      providers.push({ provide: IDENTITY_PLATFORM, useValue: identity ?? identityPlatformOf(config) });
    }
    return { module: ConfigModule, providers, exports: providers.map((provider) => provider.provide) };
  }
}
