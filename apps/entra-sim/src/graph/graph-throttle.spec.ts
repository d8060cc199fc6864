import { GraphThrottle } from './graph-throttle';

describe('GraphThrottle', () => {
  it('limits per app per tenant and is off by default', () => {
    const throttle = new GraphThrottle();
    expect(throttle.check('app', 't1')).toBe(0);
    throttle.setForTenant('t1', { limit: 1, windowSeconds: 10 });
    expect(throttle.check('app', 't1')).toBe(0);
    expect(throttle.check('app', 't1')).toBeGreaterThan(0);
    expect(throttle.check('other-app', 't1')).toBe(0);
    expect(throttle.check('app', 't2')).toBe(0);
  });
});
