import { Injectable, Logger } from '@nestjs/common';
import { decode } from 'jsonwebtoken';
import { type IdentityPlatform, InjectIdentityPlatform } from '@tenantry/config';
import { GraphClients } from '@tenantry/graph';
import { TenantAccessError, TokenService } from '@tenantry/identity';
import { assertTenantId, TenantRegistry } from '@tenantry/tenants';

export type VerificationResult =
  | { readonly outcome: 'active'; readonly grantedRoles: readonly string[] }
  | { readonly outcome: 'needs_attention'; readonly reason: string }
  | { readonly outcome: 'skipped'; readonly status: string };

const ACTOR = 'system:verification';
const ORGANIZATION_READ_TIMEOUT_MS = 5_000;

interface Organization {
  displayName?: string | null;
  verifiedDomains?: { name: string; isDefault?: boolean }[];
}

/**
 * Proves an admin consent: a fresh token for the tenant must carry its `tid` and every required
 * app role. The callback's `tenant` parameter is only a claim until this passes.
 */
@Injectable()
export class TenantVerifier {
  private readonly logger = new Logger(TenantVerifier.name);

  constructor(
    private readonly registry: TenantRegistry,
    private readonly tokens: TokenService,
    private readonly graph: GraphClients,
    @InjectIdentityPlatform() private readonly platform: IdentityPlatform,
  ) {}

  /**
   * Throws while consent may still be propagating (so the job retries with backoff); on the
   * final attempt records that it never took effect instead.
   */
  async verify(tenantId: string, finalAttempt: boolean): Promise<VerificationResult> {
    const id = assertTenantId(tenantId);
    const tenant = await this.registry.get(id);
    if (tenant.status === 'paused' || tenant.status === 'offboarded')
      return { outcome: 'skipped', status: tenant.status };

    let accessToken: string;
    try {
      ({ accessToken } = await this.tokens.getToken(id, { forceRefresh: true, flagTenant: false }));
    } catch (error) {
      if (!(error instanceof TenantAccessError) || !finalAttempt) throw error;
      return this.needsAttention(id, 'consent_not_effective', { code: error.code, aadsts: error.aadsts });
    }

    const claims = (decode(accessToken) ?? {}) as { tid?: string; roles?: string[] };
    if (claims.tid?.toLowerCase() !== id)
      return this.needsAttention(id, 'tenant_mismatch', { tid: claims.tid ?? null });
    const granted = claims.roles ?? [];
    const missing = this.platform.requiredAppRoles.filter((role) => !granted.includes(role));
    if (missing.length > 0)
      return this.needsAttention(id, 'missing_app_roles', { missingRoles: missing, grantedRoles: granted });

    await this.registry.markVerified(id, granted, ACTOR, await this.organizationOf(id));
    this.logger.log({ tenantId: id, grantedRoles: granted }, 'Tenant verified and active');
    return { outcome: 'active', grantedRoles: granted };
  }

  /**
   * The directory's name and default domain, so operators find the tenant by them. Consent is
   * proven without it: a failure here only leaves them unknown until the next verification.
   */
  private async organizationOf(
    id: string,
  ): Promise<{ displayName: string | null; primaryDomain: string | null } | undefined> {
    try {
      const { value } = await this.graph
        // Consent is proven already: the tenant's name is not worth delaying `active` for.
        .forTenant(id, { signal: AbortSignal.timeout(ORGANIZATION_READ_TIMEOUT_MS) })
        .get<{ value?: Organization[] }>('/organization', { select: ['displayName', 'verifiedDomains'] });
      const organization = value?.[0];
      if (!organization) return undefined;
      return {
        displayName: organization.displayName ?? null,
        primaryDomain: organization.verifiedDomains?.find((domain) => domain.isDefault)?.name ?? null,
      };
    } catch (error) {
      this.logger.warn({ tenantId: id, err: error }, 'Could not read the tenant’s organization from Graph');
      return undefined;
    }
  }

  private async needsAttention(
    id: string,
    reason: string,
    details: Record<string, unknown>,
  ): Promise<VerificationResult> {
    const tenant = await this.registry.get(id);
    if (tenant.status !== 'needs_attention' || tenant.attentionReason !== reason) {
      await this.registry.transition(id, 'needs_attention', { reason, attentionReason: reason, actor: ACTOR, details });
    }
    this.logger.warn({ tenantId: id, reason, ...details }, 'Tenant verification failed');
    return { outcome: 'needs_attention', reason };
  }
}
