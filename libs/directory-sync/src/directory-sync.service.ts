import { Injectable } from '@nestjs/common';
import { GraphSyncStateLostError, type TenantGraph } from '@tenantry/graph';
import {
  DirectoryStore,
  type GraphUserChange,
  type PageWritten,
  type RoundCheckpoint,
  SYNCED_USER_PROPERTIES,
} from './directory-store';
import { PageBatcher } from './page-batcher';
import type { SyncRoundKind } from './directory-sync-state.entity';

/** Where every full round starts. */
export const USERS_DELTA_START = `/users/delta?$select=id,${SYNCED_USER_PROPERTIES.join(',')}`;
/** Graph's most for users delta (it caps higher requests); fewer, larger pages sync faster. */
const PAGE_SIZE = 200;

export interface SyncProgress {
  readonly pages: number;
  readonly users: number;
  readonly written: number;
}

export interface SyncOutcome extends SyncProgress {
  readonly kind: SyncRoundKind;
  /** The round resumed from a checkpoint a previous run left. */
  readonly resumed: boolean;
  /** Graph had lost the delta state, so the round started over as a full one. */
  readonly resynced: boolean;
  /** Users a full round did not see, marked deleted at its end. */
  readonly swept: number;
}

/**
 * Keeps a tenant's `directory_users` exactly in step with its directory through `users/delta`.
 * A round walks the delta pages: from the start (the first sync, a forced or a lost-state
 * resync) or from the stored delta link (only what changed since). Each page is written with its
 * checkpoint, so a run that dies resumes at the next page; the last page stores the delta link.
 */
@Injectable()
export class DirectorySync {
  constructor(private readonly store: DirectoryStore) {}

  async sync(
    graph: TenantGraph,
    options: { readonly full?: boolean; readonly onProgress?: (progress: SyncProgress) => void } = {},
  ): Promise<SyncOutcome> {
    const { tenantId } = graph;
    const stored = await this.store.roundInProgress(tenantId);
    let round: RoundCheckpoint;
    let resumed = false;
    if (options.full) round = await this.store.startRound(tenantId, 'full', USERS_DELTA_START);
    else if (stored.round) {
      round = stored.round;
      resumed = true;
    } else if (stored.deltaLink) round = await this.store.startRound(tenantId, 'incremental', stored.deltaLink);
    else round = await this.store.startRound(tenantId, 'full', USERS_DELTA_START);

    try {
      return { ...(await this.walk(graph, round, options.onProgress)), resumed, resynced: false };
    } catch (error) {
      // An expired or invalidated delta (or paging) state: start over, once, from scratch. The
      // full round's end marks deleted whoever is gone, so it ends as a fresh sync would.
      if (!(error instanceof GraphSyncStateLostError)) throw error;
      round = await this.store.startRound(tenantId, 'full', USERS_DELTA_START);
      return { ...(await this.walk(graph, round, options.onProgress)), resumed, resynced: true };
    }
  }

  private async walk(
    graph: TenantGraph,
    round: RoundCheckpoint,
    onProgress: ((progress: SyncProgress) => void) | undefined,
  ): Promise<Omit<SyncOutcome, 'resumed' | 'resynced'>> {
    let progress: SyncProgress = { pages: round.pages, users: round.users, written: 0 };
    const advance = (written: PageWritten) => {
      progress = { pages: written.pages, users: written.users, written: progress.written + written.written };
      onProgress?.(progress);
    };
    const batcher = new PageBatcher(
      (users, nextLink, pages) => this.store.writePages(graph.tenantId, users, nextLink, pages),
      advance,
    );
    try {
      for await (const page of graph.pages<GraphUserChange>(round.link, { maxPageSize: PAGE_SIZE })) {
        if (page.nextLink) {
          await batcher.add(page);
          continue;
        }
        if (!page.deltaLink) break;
        await batcher.flush();
        const last = await this.store.writeLastPage(graph.tenantId, page.value, page.deltaLink);
        advance(last);
        return { ...progress, kind: round.kind, swept: last.swept };
      }
    } finally {
      // A failed fetch must not leave a write running behind the job's back.
      await batcher.settle();
    }
    throw new Error('Graph ended a users delta round without a delta link');
  }
}
