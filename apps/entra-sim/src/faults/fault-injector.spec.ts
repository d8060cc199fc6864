import { FaultInjector } from './fault-injector';

describe('FaultInjector', () => {
  it('applies a counted fault to matching requests only, then expires it', () => {
    const faults = new FaultInjector();
    faults.add({ tenant: 't1', endpoint: 'graph', status: 429, count: 2 });
    expect(faults.decide('t2', 'graph.users')).toBeUndefined();
    expect(faults.decide('t1', 'token')).toBeUndefined();
    expect(faults.decide('t1', 'graph.delta')).toEqual({
      latencyMs: 0,
      status: 429,
      drop: undefined,
      retryAfterSeconds: 2,
    });
    expect(faults.decide('t1', 'graph.users')?.status).toBe(429);
    expect(faults.decide('t1', 'graph.users')).toBeUndefined();
    expect(faults.list()).toEqual([]);
  });

  it('adds latency from every matching rule and lets a status rule win', () => {
    const faults = new FaultInjector();
    faults.add({ latencyMs: 50 });
    faults.add({ tenant: 't1', endpoint: 'token', status: 503 });
    expect(faults.decide('t1', 'token')).toMatchObject({ latencyMs: 50, status: 503 });
    expect(faults.decide('t9', 'token')).toEqual({ latencyMs: 50 });
  });

  it('rejects a fault that does nothing', () => {
    expect(() => new FaultInjector().add({ tenant: 't1' })).toThrow();
  });
});
