import type { GraphPage } from '@tenantry/graph';
import type { GraphUserChange, PageWritten } from './directory-store';

type WriteBatch = (users: GraphUserChange[], nextLink: string, pages: number) => Promise<PageWritten>;

/**
 * Writes delta pages while the following ones are still being fetched. Pages that arrive during
 * a write go out together in the next one (their users in one statement, the last page's link as
 * the checkpoint), so a sync pays the database's per-statement cost once per batch rather than
 * once per page, and Graph is never kept waiting by the database. A batch is all or nothing, so
 * a crash still resumes right after the last page written.
 */
export class PageBatcher {
  private buffered: GraphPage<GraphUserChange>[] = [];
  private writing: Promise<void> | null = null;
  private failure: { readonly error: unknown } | null = null;

  constructor(
    private readonly write: WriteBatch,
    private readonly onWritten: (written: PageWritten) => void,
    /** Pages held before `add` waits for the database (bounds memory when it is the slower side). */
    private readonly maxBuffered = 10,
  ) {}

  /** Queues a page that has a next one; waits only when the database is `maxBuffered` pages behind. */
  async add(page: GraphPage<GraphUserChange>): Promise<void> {
    this.throwIfFailed();
    this.buffered.push(page);
    this.writing ??= this.drain();
    if (this.buffered.length >= this.maxBuffered) await this.writing;
    this.throwIfFailed();
  }

  /** Resolves once every queued page is written; rejects with the first write's failure. */
  async flush(): Promise<void> {
    await this.settle();
    this.throwIfFailed();
  }

  /** Waits for the write in flight, whatever its outcome (before giving up on the round). */
  async settle(): Promise<void> {
    if (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.buffered.length > 0) {
        const batch = this.buffered.splice(0);
        const last = batch[batch.length - 1];
        this.onWritten(
          await this.write(
            batch.flatMap((page) => page.value),
            last.nextLink as string,
            batch.length,
          ),
        );
      }
    } catch (error) {
      this.failure = { error };
      this.buffered = [];
    } finally {
      this.writing = null;
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
