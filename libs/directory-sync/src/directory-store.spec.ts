import { toPageRows } from './directory-store';

describe('toPageRows', () => {
  it('keeps only the synced properties the answer carried, so absent ones are kept from before', () => {
    expect(
      toPageRows([{ id: 'A1', displayName: 'Ada', jobTitle: 'Engineer', '@odata.type': '#microsoft.graph.user' }]),
    ).toEqual([{ id: 'a1', r: false, p: { displayName: 'Ada' } }]);
  });

  it('keeps a null that Graph sent: the property was cleared', () => {
    expect(toPageRows([{ id: 'a1', mail: null }])).toEqual([{ id: 'a1', r: false, p: { mail: null } }]);
  });

  it('writes a user Graph repeated within a page once, merging its answers, the last winning', () => {
    expect(
      toPageRows([
        { id: 'a1', displayName: 'Ada', mail: 'ada@example.com' },
        { id: 'b2', displayName: 'Bob' },
        { id: 'A1', displayName: 'Ada L.' },
      ]),
    ).toEqual([
      { id: 'a1', r: false, p: { displayName: 'Ada L.', mail: 'ada@example.com' } },
      { id: 'b2', r: false, p: { displayName: 'Bob' } },
    ]);
  });

  it('lets a removal replace earlier answers for the same user, and a later answer revive it', () => {
    expect(
      toPageRows([
        { id: 'a1', displayName: 'Ada' },
        { id: 'a1', '@removed': { reason: 'changed' } },
      ]),
    ).toEqual([{ id: 'a1', r: true, p: {} }]);
    expect(
      toPageRows([
        { id: 'a1', '@removed': { reason: 'changed' } },
        { id: 'a1', displayName: 'Ada' },
      ]),
    ).toEqual([{ id: 'a1', r: false, p: { displayName: 'Ada' } }]);
  });
});
