import { z } from 'zod';
import { DomainError } from '@tenantry/errors';
import { GraphThrottledError } from '@tenantry/graph';
import { JobContext, JobHandler, JobTimeoutError, JobType, storableMessage } from '@tenantry/jobs';
import { DirectoryStore } from './directory-store';
import { DirectoryRoundSupersededError } from './directory-sync.errors';
import { DirectorySync } from './directory-sync.service';

const UsersSyncPayload = z.strictObject({
  /** Walk the whole directory again instead of only what changed (repairs any drift). */
  full: z.boolean().default(false),
});

type UsersSync = z.infer<typeof UsersSyncPayload>;

const SIX_HOURS_MS = 6 * 3_600_000;

/**
 * The built-in directory sync: the tenant's users, through `users/delta`, into
 * `directory_users`. One run per tenant at a time (a round's checkpoint is the tenant's); every
 * six hours and once when the tenant becomes active.
 */
@JobType({
  name: 'directory.users-sync',
  payload: UsersSyncPayload,
  attempts: 5,
  backoff: { delayMs: 5_000, maxDelayMs: 600_000 },
  timeoutMs: 2 * 3_600_000,
  concurrencyPerTenant: 1,
  defaultSchedule: { everyMs: SIX_HOURS_MS, onActivation: true },
})
export class DirectoryUsersSyncJob implements JobHandler<UsersSync> {
  constructor(
    private readonly sync: DirectorySync,
    private readonly store: DirectoryStore,
  ) {}

  async run(payload: UsersSync, context: JobContext): Promise<void> {
    try {
      const outcome = await this.sync.sync(context.graph, {
        full: payload.full,
        onProgress: (progress) => context.progress({ ...progress }),
      });
      context.logger.log('Directory users synced', { ...outcome });
    } catch (error) {
      if (error instanceof DirectoryRoundSupersededError) {
        // Another run owns the round now (this one outlived its lease), or the tenant was purged:
        // there is nothing left for this run to do.
        context.logger.warn('Directory sync stopped: its round was taken over or purged');
        return;
      }
      // Throttling, cancels and shutdowns are the runtime's to handle and say nothing about the
      // sync; a timeout does, since the operator may need a longer one.
      const timedOut = context.signal.reason instanceof JobTimeoutError;
      if (!(error instanceof GraphThrottledError) && (!context.signal.aborted || timedOut)) {
        const code = error instanceof DomainError ? error.code : 'sync_error';
        await this.store
          .recordFailure(
            context.tenantId,
            code,
            storableMessage(error instanceof Error ? error.message : String(error)),
          )
          .catch(() => undefined);
      }
      throw error;
    }
  }
}
