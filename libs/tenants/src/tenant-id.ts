import { MissingTenantScopeError } from './tenant.errors';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

/** Normalises to lower case: Entra ID prints GUIDs in either case, the registry keys on one. */
export function assertTenantId(value: unknown): string {
  if (!isTenantId(value)) throw new MissingTenantScopeError(value);
  return value.toLowerCase();
}
