import { BoundedTokenCache } from './bounded-token-cache';

describe('BoundedTokenCache', () => {
  it('drops the entry stored longest ago once over its bound', () => {
    const cache = new BoundedTokenCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 3); // a refresh: a is young again
    cache.set('c', 4);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(3);
    expect(cache.get('c')).toBe(4);
    expect(cache.size).toBe(2);
  });
});
