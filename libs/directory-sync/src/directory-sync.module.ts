import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TenantsModule } from '@tenantry/tenants';
import { DirectoryPurgeListener } from './directory-purge.listener';
import { DirectorySnapshots } from './directory-snapshots';
import { DirectoryStore } from './directory-store';
import { DirectorySyncState } from './directory-sync-state.entity';
import { DirectorySync } from './directory-sync.service';
import { DirectoryUser } from './directory-user.entity';

/**
 * The directory snapshot: the sync that keeps it (its job type, `DirectoryUsersSyncJob`, is
 * listed with the deployment's job types and resolves its dependencies here) and its read side.
 * Needs `RuntimeModule`.
 */
@Module({
  imports: [TenantsModule, TypeOrmModule.forFeature([DirectoryUser, DirectorySyncState])],
  providers: [DirectoryStore, DirectorySync, DirectorySnapshots, DirectoryPurgeListener],
  exports: [DirectoryStore, DirectorySync, DirectorySnapshots],
})
export class DirectorySyncModule {}
