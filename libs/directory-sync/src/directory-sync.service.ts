import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
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
    const owner = randomUUID();
    const stored = await this.store.state(tenantId);
    let round: RoundCheckpoint | null = null;
    // A round a previous run left is resumed, even by a forced full sync when it is a full one.
    if (stored.round && (!options.full || stored.round.kind === 'full')) {
      round = await this.store.claimRound(tenantId, owner);
    }
    // State saved against another Graph endpoint (the app moved clouds, or the embedded
    // simulator came back on another port) is never followed: it is lost, as an expired delta
    // link is, and the sync starts over from scratch.
    const lost =
      (round !== null && !graph.follows(round.link)) || (stored.deltaLink !== null && !graph.follows(stored.deltaLink));
    if (lost) round = null;
    const resumed = round !== null;
    // A delta link made with another $select would never bring the new properties of users it
    // has seen: walk everything once.
    const incremental = !options.full && !lost && stored.deltaLink !== null && stored.deltaSelect === USERS_DELTA_START;
    round ??= incremental
      ? await this.store.startRound(tenantId, 'incremental', stored.deltaLink as string, owner)
      : await this.store.startRound(tenantId, 'full', USERS_DELTA_START, owner);

    try {
      return { ...(await this.walk(graph, round, options.onProgress)), resumed, resynced: lost && !options.full };
    } catch (error) {
      // An expired or invalidated delta (or paging) state: start over, once, from scratch. The
      // full round's end marks deleted whoever is gone, so it ends as a fresh sync would.
      if (!(error instanceof GraphSyncStateLostError)) throw error;
      round = await this.store.startRound(tenantId, 'full', USERS_DELTA_START, owner);
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
      (users, nextLink, pages) => this.store.writePages(round, graph.tenantId, users, nextLink, pages),
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
        const last = await this.store.writeLastPage(
          round,
          graph.tenantId,
          page.value,
          page.deltaLink,
          USERS_DELTA_START,
        );
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
