import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { type AppConfig, APP_CONFIG, type IdentityPlatform, InjectIdentityPlatform } from '@tenantry/config';
import { assertTenantId } from '@tenantry/tenants';
import { OnboardingLink } from './onboarding-link.entity';
import { OnboardingLinkNotFoundError, ReturnUrlNotAllowedError } from './onboarding.errors';

export const CALLBACK_PATH = '/onboarding/callback';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface NewOnboardingLink {
  readonly tenantHint?: string;
  readonly returnUrl?: string;
}

export interface CreatedOnboardingLink {
  readonly link: OnboardingLink;
  /** The admin-consent URL to hand to the customer's admin; it holds the one-time state. */
  readonly url: string;
}

/** What a callback's `state` turned out to be. */
export type StateVerdict =
  | { readonly kind: 'accepted'; readonly link: OnboardingLink }
  | { readonly kind: 'unknown' }
  | { readonly kind: 'spent'; readonly reason: 'used' | 'expired' | 'revoked' }
  | { readonly kind: 'wrong_tenant' };

export const hashState = (state: string): string => createHash('sha256').update(state).digest('hex');

/** Admin-consent links: made by operators, spent once by the callback. */
@Injectable()
export class OnboardingLinks {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectIdentityPlatform() private readonly platform: IdentityPlatform,
    @InjectRepository(OnboardingLink) private readonly links: Repository<OnboardingLink>,
  ) {}

  async create(request: NewOnboardingLink, actor: string): Promise<CreatedOnboardingLink> {
    const tenantHint = request.tenantHint === undefined ? null : assertTenantId(request.tenantHint);
    const returnUrl = request.returnUrl === undefined ? null : this.allowedReturnUrl(request.returnUrl);
    // 256 random bits; the database only ever sees their hash.
    const state = randomBytes(32).toString('base64url');
    const { id } = await this.links.save(
      this.links.create({
        stateHash: hashState(state),
        tenantHint,
        returnUrl,
        createdBy: actor,
        expiresAt: new Date(Date.now() + this.config.onboarding.linkTtlSeconds * 1000),
      }),
    );
    return { link: await this.links.findOneByOrFail({ id }), url: this.consentUrl(tenantHint, state) };
  }

  list(limit: number): Promise<OnboardingLink[]> {
    return this.links.find({ order: { createdAt: 'DESC' }, take: limit });
  }

  async revoke(id: string): Promise<OnboardingLink> {
    const link = UUID.test(id) ? await this.links.findOneBy({ id }) : null;
    if (!link) throw new OnboardingLinkNotFoundError(id);
    if (link.revokedAt === null && link.usedAt === null) {
      link.revokedAt = new Date();
      await this.links.update({ id }, { revokedAt: link.revokedAt });
    }
    return link;
  }

  /**
   * Spends the state for this tenant, atomically: of two callbacks racing with the same state,
   * exactly one is accepted. Nothing changes when the state is refused.
   */
  async consume(state: string, tenantId: string): Promise<StateVerdict> {
    const stateHash = hashState(state);
    const { raw } = await this.links
      .createQueryBuilder()
      .update()
      .set({ usedAt: () => 'now()', usedByTenant: tenantId })
      .where('state_hash = :stateHash AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()', { stateHash })
      .andWhere('(tenant_hint IS NULL OR tenant_hint = :tenantId)', { tenantId })
      .returning('id')
      .execute();
    const [accepted] = raw as { id: string }[];
    if (accepted) return { kind: 'accepted', link: await this.links.findOneByOrFail({ id: accepted.id }) };
    const link = await this.links.findOneBy({ stateHash });
    if (!link) return { kind: 'unknown' };
    if (link.usedAt) return { kind: 'spent', reason: 'used' };
    if (link.revokedAt) return { kind: 'spent', reason: 'revoked' };
    if (link.expiresAt <= new Date()) return { kind: 'spent', reason: 'expired' };
    return { kind: 'wrong_tenant' };
  }

  /** Whether a state is one of our links' (whatever became of the link since). */
  async issued(state: string): Promise<boolean> {
    return this.links.existsBy({ stateHash: hashState(state) });
  }

  private consentUrl(tenantHint: string | null, state: string): string {
    const url = new URL(`${this.platform.authorityHost}/${tenantHint ?? 'organizations'}/v2.0/adminconsent`);
    url.searchParams.set('client_id', this.platform.clientId);
    url.searchParams.set('scope', `${this.platform.resource}/.default`);
    url.searchParams.set('redirect_uri', `${this.config.http.publicBaseUrl}${CALLBACK_PATH}`);
    url.searchParams.set('state', state);
    return url.toString();
  }

  private allowedReturnUrl(returnUrl: string): string {
    let parsed: URL;
    try {
      parsed = new URL(returnUrl);
    } catch {
      throw new ReturnUrlNotAllowedError(returnUrl);
    }
    if (!this.config.onboarding.returnUrlOrigins.includes(parsed.origin)) throw new ReturnUrlNotAllowedError(returnUrl);
    return parsed.toString();
  }
}
