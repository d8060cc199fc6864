import { IllegalTenantTransitionError } from './tenant.errors';
import type { TenantStatus } from './tenant-status';

/**
 * The lifecycle of DESIGN.md. `pending` → `active` once a token proves the consent;
 * `needs_attention` when the identity platform says consent, tenant or policy is gone;
 * `paused` and `offboarded` by an operator. A new admin consent brings a needs-attention or
 * offboarded tenant back to `pending` for verification.
 */
const ALLOWED: Readonly<Record<TenantStatus, readonly TenantStatus[]>> = {
  pending: ['active', 'needs_attention', 'paused', 'offboarded'],
  active: ['needs_attention', 'paused', 'offboarded', 'pending'],
  needs_attention: ['active', 'pending', 'paused', 'offboarded'],
  paused: ['active', 'pending', 'needs_attention', 'offboarded'],
  offboarded: ['pending'],
};

export function canTransition(from: TenantStatus, to: TenantStatus): boolean {
  return ALLOWED[from].includes(to);
}

export function assertTransition(tenantId: string, from: TenantStatus, to: TenantStatus): void {
  if (!canTransition(from, to)) throw new IllegalTenantTransitionError(tenantId, from, to);
}
