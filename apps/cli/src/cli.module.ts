import { Module } from '@nestjs/common';
import { AuditModule } from '@tenantry/audit';
import { OperatorAuthModule } from '@tenantry/operator-auth';
import { TenantsModule } from '@tenantry/tenants';

/** The domain modules the operator CLI drives. Expects `RuntimeModule` beside it. */
@Module({
  imports: [TenantsModule, OperatorAuthModule, AuditModule],
  exports: [TenantsModule, OperatorAuthModule, AuditModule],
})
export class CliModule {}
