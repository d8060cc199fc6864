export * from './directory-snapshots';
export * from './directory-store';
export * from './directory-sync-state.entity';
export * from './directory-sync.module';
export * from './directory-sync.service';
export * from './directory-user.entity';
export * from './directory-users-sync.job';
export * from './directory-sync.errors';
