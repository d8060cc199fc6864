import { containsPattern, InvalidCursorError, KeysetCursor } from './keyset-cursor';

describe('KeysetCursor', () => {
  const kinds = ['timestamp', 'uuid'] as const;
  const values = ['2026-11-24T01:02:03.456Z', '72f988bf-86f1-41af-91ab-2d7cd011db47'] as const;

  it('round-trips the sort key of the last row', () => {
    expect(KeysetCursor.decode(KeysetCursor.encode(values), kinds)).toEqual(values);
  });

  it.each([
    ['not base64 JSON', 'zzz'],
    ['a different shape', KeysetCursor.encode([1, 2])],
    ['too many values', KeysetCursor.encode([...values, 'x'])],
    ['a timestamp that is not one', KeysetCursor.encode(['yesterday', values[1]])],
    ['an upper-case or malformed uuid', KeysetCursor.encode([values[0], 'not-a-uuid'])],
    ['an object', Buffer.from('{"a":1}').toString('base64url')],
  ])('refuses %s', (_case, cursor) => {
    expect(() => KeysetCursor.decode(cursor, kinds)).toThrow(InvalidCursorError);
  });
});

describe('KeysetCursor strings', () => {
  it('refuses a string PostgreSQL could not compare (a NUL byte)', () => {
    expect(() => KeysetCursor.decode(KeysetCursor.encode(['a\u0000b']), ['string'] as const)).toThrow(
      InvalidCursorError,
    );
    expect(KeysetCursor.decode(KeysetCursor.encode(['a b']), ['string'] as const)).toEqual(['a b']);
  });
});

describe('KeysetCursor bigints', () => {
  it('takes a positive bigint as a decimal string, and nothing past the largest', () => {
    const decode = (value: unknown) => KeysetCursor.decode(KeysetCursor.encode([value as string]), ['bigint'] as const);
    expect(decode('9223372036854775807')).toEqual(['9223372036854775807']);
    for (const bad of ['9223372036854775808', '0', '-1', '1e3', '01', 12]) {
      expect(() => decode(bad)).toThrow(InvalidCursorError);
    }
  });
});

describe('KeysetCursor.page', () => {
  it('cuts the extra row off and points the cursor after the last row kept', () => {
    const page = KeysetCursor.page([{ id: 1 }, { id: 2 }, { id: 3 }], 2, (row) => [row.id]);
    expect(page.items).toEqual([{ id: 1 }, { id: 2 }]);
    expect(KeysetCursor.decode(page.nextCursor as string, ['number'] as const)).toEqual([2]);
  });

  it('has no cursor when nothing is left', () => {
    expect(KeysetCursor.page([{ id: 1 }, { id: 2 }], 2, (row) => [row.id])).toEqual({
      items: [{ id: 1 }, { id: 2 }],
      nextCursor: null,
    });
  });
});

describe('containsPattern', () => {
  it('matches the text anywhere, taking % _ and \\ literally', () => {
    expect(containsPattern('50%_off\\')).toBe('%50\\%\\_off\\\\%');
  });
});
