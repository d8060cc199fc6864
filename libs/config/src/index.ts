export * from './app-config';
export * from './config-validation.error';
export * from './config.module';
export * from './config.token';
export * from './load-config';
export * from './identity-platform';
