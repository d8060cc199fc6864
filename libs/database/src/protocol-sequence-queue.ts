import type { PGlite } from '@electric-sql/pglite';

interface QueuedMessage {
  readonly handlerId: number;
  readonly message: Uint8Array;
  readonly onData: (data: Uint8Array) => void;
  readonly resolve: (bytes: number) => void;
  readonly reject: (error: unknown) => void;
}

const SYNC = 0x53; // 'S': ends an extended-protocol sequence (Parse, Bind, Describe, Execute …)
const QUERY = 0x51; // 'Q': a simple query is a sequence on its own
const TERMINATE = 0x58; // 'X'
const STARTUP = 0x00; // the startup message has no type byte; its length starts with 0

/**
 * The scheduler of the embedded server's connections, all multiplexed onto PGlite's single
 * session. pglite-socket's own queue interleaves connections message by message and only keeps a
 * connection's turn while a transaction is open; but the session's unnamed prepared statement
 * and portal live from Parse to Sync, so another connection's messages in between break the
 * first one's query ("unnamed prepared statement does not exist"). This queue gives a connection
 * the session from the first message of a sequence until its Sync (or simple query) has run with
 * no transaction open.
 */
export class ProtocolSequenceQueue {
  private queue: QueuedMessage[] = [];
  private holder: number | null = null;
  private processing = false;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((item) => item.handlerId !== handlerId);
  }

  /** A connection went away: give the session back, rolling back what it left open. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.holder !== handlerId) return;
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK');
    this.holder = null;
    void this.process();
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (;;) {
        const index = this.holder === null ? 0 : this.queue.findIndex((item) => item.handlerId === this.holder);
        if (index < 0 || index >= this.queue.length) break;
        const [item] = this.queue.splice(index, 1);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          this.holder = null;
          item.reject(error);
          continue;
        }
        const type = item.message[0];
        const sequenceEnded = type === SYNC || type === QUERY || type === STARTUP || type === TERMINATE;
        this.holder = sequenceEnded && !this.db.isInTransaction() ? null : item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }
}
