import type { AppConfig } from '@tenantry/config';
import { TooManyFailedAuthenticationsError } from './api-key.errors';
import { AuthFailureLimiter, clientOf } from './auth-failure-limiter';

const limiter = (max: number) => new AuthFailureLimiter({ http: { authMaxFailuresPerMinute: max } } as AppConfig);

describe('AuthFailureLimiter', () => {
  it('counts wrong keys up to the limit within a minute, then refuses the client’s further ones until it is over', () => {
    const failures = limiter(2);
    failures.recordFailure('192.0.2.1', 0);
    failures.recordFailure('192.0.2.1', 1_000);
    expect(() => failures.recordFailure('192.0.2.1', 30_000)).toThrow(
      expect.objectContaining({ constructor: TooManyFailedAuthenticationsError, details: { retryAfterSeconds: 30 } }),
    );
    expect(() => failures.recordFailure('192.0.2.2', 30_000)).not.toThrow();
    expect(() => failures.recordFailure('192.0.2.1', 60_000)).not.toThrow();
  });

  it('counts an IPv6 client by its /64, and an IPv4-mapped one as IPv4', () => {
    const failures = limiter(1);
    failures.recordFailure('2001:db8:1:2::5', 0);
    expect(() => failures.recordFailure('2001:db8:1:2:ffff::9', 1)).toThrow(TooManyFailedAuthenticationsError);
    expect(() => failures.recordFailure('2001:db8:1:3::5', 1)).not.toThrow();
    failures.recordFailure('::ffff:192.0.2.7', 0);
    expect(() => failures.recordFailure('192.0.2.7', 1)).toThrow(TooManyFailedAuthenticationsError);
  });
});

describe('clientOf', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:0db8:0001:0002:0003:0004:0005:0006', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s counts as %s', (address, client) => {
    expect(clientOf(address)).toBe(client);
  });
});
