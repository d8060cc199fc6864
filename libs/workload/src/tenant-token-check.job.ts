import { decode } from 'jsonwebtoken';
import { z } from 'zod';
import { JobContext, JobHandler, JobType } from '@tenantry/jobs';

// Strict: a misspelt field is refused on enqueue rather than silently dropped.
const TokenCheckPayload = z.strictObject({
  /** Skip every cache and ask the identity platform (after re-consent, to see new roles). */
  forceRefresh: z.boolean().default(false),
});

type TokenCheck = z.infer<typeof TokenCheckPayload>;

/**
 * The smallest useful job, and the template for new ones: proves the app can still act in the
 * tenant and reports which app roles its token carries. One per tenant at a time.
 */
@JobType({ name: 'tenant.token-check', payload: TokenCheckPayload, attempts: 3, concurrencyPerTenant: 1 })
export class TenantTokenCheckJob implements JobHandler<TokenCheck> {
  async run(payload: TokenCheck, context: JobContext): Promise<void> {
    const token = await context.getToken({ forceRefresh: payload.forceRefresh });
    const roles = ((decode(token.accessToken) ?? {}) as { roles?: string[] }).roles ?? [];
    context.progress({ roles: roles.length });
    context.logger.log('The tenant issued a token', { roles, expiresOn: token.expiresOn.toISOString() });
  }
}
