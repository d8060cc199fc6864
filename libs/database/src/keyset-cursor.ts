import { DomainError } from '@tenantry/errors';

export class InvalidCursorError extends DomainError {
  readonly code = 'invalid_cursor';
  readonly kind = 'invalid';

  constructor() {
    super('The cursor is not one this API issued for this list; start again without it.');
  }
}

type CursorValue = string | number;

/** `bigint`: a positive PostgreSQL bigint (identity ids), carried as a decimal string. */
type CursorKind = 'string' | 'number' | 'timestamp' | 'uuid' | 'bigint';

const MAX_BIGINT = 9_223_372_036_854_775_807n;

export interface KeysetPage<Row> {
  readonly items: Row[];
  readonly nextCursor: string | null;
}

/** An ILIKE pattern matching `text` anywhere, its own `%`, `_` and `\` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * Opaque keyset-pagination cursors: the sort key of the last row, base64url-encoded. They carry
 * no authority (filters are applied again on every page), so a tampered cursor can only be
 * malformed, and a malformed one is refused rather than guessed at.
 */
export const KeysetCursor = {
  encode(values: readonly CursorValue[]): string {
    return Buffer.from(JSON.stringify(values)).toString('base64url');
  },

  /**
   * A page from `limit + 1` rows fetched in list order: the first `limit`, and a cursor after
   * the last of them when there was more.
   */
  page<Row>(rows: readonly Row[], limit: number, keyOf: (row: Row) => readonly CursorValue[]): KeysetPage<Row> {
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > limit && last !== undefined ? this.encode(keyOf(last)) : null };
  },

  decode<const Kinds extends readonly CursorKind[]>(
    cursor: string,
    kinds: Kinds,
  ): { [K in keyof Kinds]: Kinds[K] extends 'number' ? number : string } {
    let values: unknown;
    try {
      values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw new InvalidCursorError();
    }
    if (!Array.isArray(values) || values.length !== kinds.length) throw new InvalidCursorError();
    kinds.forEach((kind, index) => {
      if (!matches(kind, values[index])) throw new InvalidCursorError();
    });
    return values as { [K in keyof Kinds]: Kinds[K] extends 'number' ? number : string };
  },
};

function matches(kind: CursorKind, value: unknown): boolean {
  switch (kind) {
    case 'number':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'string':
      // PostgreSQL text cannot hold NUL: such a value would fail the query instead of the cursor.
      return typeof value === 'string' && value.length <= 512 && !value.includes('\u0000');
    case 'timestamp':
      return (
        typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) &&
        !Number.isNaN(Date.parse(value))
      );
    case 'bigint':
      return typeof value === 'string' && /^[1-9]\d{0,18}$/.test(value) && BigInt(value) <= MAX_BIGINT;
    case 'uuid':
      return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);
  }
}
