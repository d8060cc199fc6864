export * from './test-app';
export * from './test-database';
export * from './run-entry-point';
export * from './identity-testbed';
export * from './chromium';
export * from './jobs-testbed';
export * from './openapi-inputs';
