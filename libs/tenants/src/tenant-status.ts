export const TENANT_STATUSES = ['pending', 'active', 'needs_attention', 'paused', 'offboarded'] as const;

export type TenantStatus = (typeof TENANT_STATUSES)[number];
