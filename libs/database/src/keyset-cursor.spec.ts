import { InvalidCursorError, KeysetCursor } from './keyset-cursor';

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
