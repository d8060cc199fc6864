import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const AUDITED = 'tenantry:audited';

export interface AuditSpec {
  /** A stable verb, e.g. `tenant.pause`. */
  readonly action: string;
  readonly targetType: string;
  /** Route parameter holding the target's id; the tenant id when `targetType` is `tenant`. */
  readonly targetParam?: string;
  /** Or: the property of the handler's result that holds the target's id (for creations). */
  readonly targetFromResult?: string;
  /** For a target inside a tenant: the route parameter holding the tenant's id… */
  readonly tenantParam?: string;
  /** …or the property of the result that holds it (a run, known once it is loaded). */
  readonly tenantFromResult?: string;
}

/**
 * Every mutating operator route declares what it does; the boot check refuses one that doesn't.
 * The action is published in OpenAPI as `x-audit-action`, so a reader of the document knows which
 * audit events an operation leaves (and the contract test checks that it does).
 */
export const Audited = (spec: AuditSpec): MethodDecorator =>
  applyDecorators(SetMetadata(AUDITED, spec), ApiExtension('x-audit-action', spec.action));
