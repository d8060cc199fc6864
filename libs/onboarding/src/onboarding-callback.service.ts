import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { isTenantId, TenantRegistry } from '@tenantry/tenants';
import { OnboardingLinks } from './onboarding-links.service';
import { TenantVerificationQueue } from './tenant-verification.queue';

/** What the admin's browser is told, and what happened. */
export type CallbackOutcome =
  | { readonly status: 200; readonly kind: 'consented'; readonly tenantId: string; readonly returnUrl: string | null }
  | { readonly status: 200; readonly kind: 'declined'; readonly error: string; readonly description: string }
  | { readonly status: 400; readonly kind: 'invalid'; readonly reason: string }
  | { readonly status: 410; readonly kind: 'spent'; readonly reason: 'used' | 'expired' | 'revoked' };

const MAX_STATE_LENGTH = 200;
const ENQUEUE_WAIT_MS = 3000;

/**
 * The redirect URI Entra ID sends the admin back to. The query is a claim, not a proof: the
 * `state` must be one we issued and not yet spent, and the `tenant` is only recorded as pending —
 * verification proves it with a token for that tenant (DESIGN.md, admin consent).
 */
@Injectable()
export class OnboardingCallback {
  private readonly logger = new Logger(OnboardingCallback.name);

  constructor(
    private readonly links: OnboardingLinks,
    private readonly registry: TenantRegistry,
    private readonly verification: TenantVerificationQueue,
  ) {}

  async handle(query: Readonly<Record<string, unknown>>): Promise<CallbackOutcome> {
    const text = (name: string): string | undefined => (typeof query[name] === 'string' ? query[name] : undefined);
    const state = text('state');
    if (!state || state.length > MAX_STATE_LENGTH) return invalid('The link is incomplete: it carries no valid state.');
    // Entra sets admin_consent=True on failures too: the error decides first. Its description is
    // shown only for a link we issued, so nobody else can make this page say what they like.
    const error = text('error');
    if (error !== undefined) {
      if (!(await this.links.issued(state))) return invalid('This onboarding link is not one we issued.');
      return { status: 200, kind: 'declined', error, description: text('error_description') ?? '' };
    }
    if (text('admin_consent')?.toLowerCase() !== 'true') return invalid('Entra ID did not report an admin consent.');
    const tenant = text('tenant');
    if (!isTenantId(tenant)) return invalid('Entra ID did not name a valid directory (tenant) id.');
    const tenantId = tenant.toLowerCase();

    const verdict = await this.links.consume(state, tenantId);
    switch (verdict.kind) {
      case 'unknown':
        return invalid('This onboarding link is not one we issued.');
      case 'wrong_tenant':
        return invalid('Consent came back for a different directory than this link was made for.');
      case 'spent':
        return { status: 410, kind: 'spent', reason: verdict.reason };
      case 'accepted':
        await this.registry.recordConsent({ tenantId, consentedAt: new Date() }, `onboarding-link:${verdict.link.id}`);
        // The consent is recorded; if the queue is down, an operator's verify (or the next
        // consent) picks the tenant up — the admin's part is done either way.
        // A queue that is away keeps the job in its offline queue until it returns: the admin
        // does not wait for that.
        await Promise.race([
          this.verification.enqueue(tenantId, 'consent'),
          sleep(ENQUEUE_WAIT_MS, undefined, { ref: false }),
        ]).catch((error: unknown) =>
          this.logger.error(
            { tenantId, err: error instanceof Error ? error.message : String(error) },
            'Could not queue verification',
          ),
        );
        return { status: 200, kind: 'consented', tenantId, returnUrl: verdict.link.returnUrl };
    }
  }
}

function invalid(reason: string): CallbackOutcome {
  return { status: 400, kind: 'invalid', reason };
}
