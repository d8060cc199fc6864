/**
 * The level-1 token cache: a Map in insertion order with a size bound. A hit is a single Map
 * lookup — no recency bookkeeping, which would cost more than the lookup itself. Every store
 * (each refresh, about once per token lifetime) moves the entry to the young end, so the tenants
 * in use stay and the oldest-stored are dropped first when the bound is reached.
 */
export class BoundedTokenCache<Entry> {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly max: number) {}

  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
