export * from './graceful-shutdown';
export * from './load-config-or-exit';
export * from './logging.options';
export * from './runtime.module';
export * from './identity-platform-or-exit';
