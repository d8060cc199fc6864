import { Module } from '@nestjs/common';
import { IdentityModule } from '@tenantry/identity';
import { GraphClients } from './graph-clients';

/** Microsoft Graph per tenant. Needs `RuntimeModule` (identity platform, database). */
@Module({ imports: [IdentityModule], providers: [GraphClients], exports: [GraphClients] })
export class GraphModule {}
