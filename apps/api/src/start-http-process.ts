import { DynamicModule, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AppConfig, IdentityPlatform } from '@tenantry/config';
import { closeOnSignals, loadConfigOrExit, RuntimeModule } from '@tenantry/runtime';
import { configureHttpApp, HTTP_APP_OPTIONS } from './configure-http-app';

export interface HttpProcess {
  readonly app: NestExpressApplication;
  readonly config: AppConfig;
}

export interface IdentityPlatformSource {
  readonly identity: IdentityPlatform;
  stop(): Promise<void>;
}

/**
 * The shared start of every process that serves HTTP: validated config (or exit), the identity
 * platform the entry point chose, the runtime plus the given modules, listening, and a graceful
 * stop on signals.
 */
export async function startHttpProcess(
  modules: (Type | DynamicModule)[],
  identityOf: (config: AppConfig) => Promise<IdentityPlatformSource>,
): Promise<HttpProcess> {
  const config = loadConfigOrExit();
  const identity = await identityOf(config);

  @Module({ imports: [RuntimeModule.forRoot(config, identity.identity), ...modules] })
  class ProcessModule {}

  const app = await NestFactory.create<NestExpressApplication>(ProcessModule, HTTP_APP_OPTIONS);
  configureHttpApp(app, config);
  try {
    await app.listen(config.http.port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    process.stderr.write(`tenantry: port ${config.http.port} is already in use; set PORT to another one.\n`);
    process.exit(1);
  }
  app.get(Logger).log(`Listening on port ${config.http.port} (${config.http.publicBaseUrl})`);
  closeOnSignals(app, config.shutdownTimeoutMs, () => identity.stop());
  return { app, config };
}
