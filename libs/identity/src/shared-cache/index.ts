export * from './postgres-shared-token-store';
export * from './redis-shared-token-store';
export * from './shared-token-store';
export * from './shared-token-store.provider';
export * from './token-cache-entry.entity';
export * from './token-cipher';
export * from './token-lock.entity';
