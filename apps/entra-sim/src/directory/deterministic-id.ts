import { createHash } from 'node:crypto';

/**
 * A GUID derived from a name, so the demo directory (and service principal ids) are the same
 * on every start: a platform that persisted demo tenants finds them again after a restart.
 */
export function deterministicGuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  // Shape it as an RFC 4122 version-4/variant-1 id so validators that check the form accept it.
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
