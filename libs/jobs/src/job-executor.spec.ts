import { backoffDelay, storableMessage } from './job-executor';

describe('storableMessage', () => {
  it('blanks tokens and credentials, drops NUL and bounds the length', () => {
    const message = storableMessage(
      'GET /users failed: Authorization: Bearer abc.def.ghi; token eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ4In0.c2ln ' +
        'body client_secret=hunter2&scope=x\u0000',
    );
    expect(message).toBe(
      'GET /users failed: Authorization: Bearer [redacted] token [token] body client_secret=[redacted]&scope=x',
    );
    expect(storableMessage('x'.repeat(5000))).toHaveLength(1000);
  });
});

describe('backoffDelay', () => {
  it('doubles per attempt, within half to all of the step, capped', () => {
    for (let attempt = 1; attempt <= 6; attempt += 1) {
      const step = Math.min(10_000, 1000 * 2 ** (attempt - 1));
      const delay = backoffDelay({ delayMs: 1000, maxDelayMs: 10_000 }, attempt);
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThanOrEqual(step);
    }
  });
});
