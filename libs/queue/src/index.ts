export * from './queue-backend';
export * from './queue-name';
export * from './queue.module';
