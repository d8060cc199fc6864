export * from './api-key.entity';
export * from './api-key.errors';
export * from './api-key.service';
export * from './operator';
export * from './operator-auth.decorators';
export * from './operator-auth.guard';
export * from './operator-auth.module';
export * from './operator-role';
