import { allocateSlots, DispatchCandidate } from './fair-share';

const tenant = (tenantId: string, overrides: Partial<DispatchCandidate> = {}): DispatchCandidate => ({
  tenantId,
  virtualTime: 0,
  weight: 1,
  allowance: 100,
  queued: 10_000,
  ...overrides,
});

describe('allocateSlots', () => {
  it('serves tenants with equal weights in turn, however deep one backlog is', () => {
    const slots = allocateSlots([tenant('heavy'), tenant('a', { queued: 2 }), tenant('b', { queued: 2 })], 6);
    expect(Object.fromEntries(slots)).toEqual({ heavy: 2, a: 2, b: 2 });
  });

  it('gives a lone tenant the whole capacity (work-conserving)', () => {
    expect(Object.fromEntries(allocateSlots([tenant('only')], 32))).toEqual({ only: 32 });
  });

  it('never exceeds a tenant allowance or its queued runs', () => {
    const slots = allocateSlots([tenant('capped', { allowance: 2 }), tenant('short', { queued: 1 })], 10);
    expect(Object.fromEntries(slots)).toEqual({ capped: 2, short: 1 });
  });

  it('splits by weight while both tenants have work', () => {
    const slots = allocateSlots([tenant('premium', { weight: 4 }), tenant('standard')], 10);
    expect(Object.fromEntries(slots)).toEqual({ premium: 8, standard: 2 });
  });

  it('serves the tenant that is behind first', () => {
    const slots = allocateSlots([tenant('ahead', { virtualTime: 50 }), tenant('behind', { virtualTime: 47 })], 4);
    expect(Object.fromEntries(slots)).toEqual({ behind: 3, ahead: 1 });
  });

  it('skips tenants that may not start anything', () => {
    const slots = allocateSlots([tenant('full', { allowance: 0 }), tenant('empty', { queued: 0 })], 5);
    expect(slots.size).toBe(0);
  });
});
