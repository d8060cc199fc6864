import type { AppConfig } from '@tenantry/config';
import { TooManyFailedAuthenticationsError } from './api-key.errors';
import { AuthFailureLimiter } from './auth-failure-limiter';

const limiter = (max: number) => new AuthFailureLimiter({ http: { authMaxFailuresPerMinute: max } } as AppConfig);

describe('AuthFailureLimiter', () => {
  it('lets an address fail up to the limit within a minute, then refuses it until the minute is over', () => {
    const failures = limiter(2);
    failures.recordFailure('a', 0);
    failures.check('a', 1_000);
    failures.recordFailure('a', 1_000);
    expect(() => failures.check('a', 30_000)).toThrow(TooManyFailedAuthenticationsError);
    expect(() => failures.check('a', 30_000)).toThrow(expect.objectContaining({ details: { retryAfterSeconds: 30 } }));
    expect(() => failures.check('a', 60_000)).not.toThrow();
    expect(() => failures.check('b', 30_000)).not.toThrow();
  });

  it('starts a new window after a quiet minute', () => {
    const failures = limiter(2);
    failures.recordFailure('a', 0);
    failures.recordFailure('a', 61_000);
    expect(() => failures.check('a', 62_000)).not.toThrow();
  });
});
