import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TenantEvent } from './tenant-event.entity';
import { TenantLifecycleEvents } from './tenant-lifecycle.events';
import { TenantRegistry } from './tenant-registry.service';
import { provideTenantScopedRepository } from './tenant-scoped.repository';
import { Tenant } from './tenant.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Tenant, TenantEvent])],
  providers: [TenantRegistry, TenantLifecycleEvents, provideTenantScopedRepository(TenantEvent)],
  exports: [TenantRegistry, TenantLifecycleEvents],
})
export class TenantsModule {}
