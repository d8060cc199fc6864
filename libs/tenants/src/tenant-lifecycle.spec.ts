import { assertTransition, canTransition } from './tenant-lifecycle';
import { TENANT_STATUSES } from './tenant-status';
import { IllegalTenantTransitionError } from './tenant.errors';

describe('tenant lifecycle', () => {
  it('goes live only from pending, needs-attention or paused', () => {
    const intoActive = TENANT_STATUSES.filter((from) => canTransition(from, 'active'));
    expect(intoActive).toEqual(['pending', 'needs_attention', 'paused']);
  });

  it('keeps an offboarded tenant as a tombstone that only a new consent revives', () => {
    expect(TENANT_STATUSES.filter((to) => canTransition('offboarded', to))).toEqual(['pending']);
  });

  it('never "transitions" to the same status', () => {
    for (const status of TENANT_STATUSES) expect(canTransition(status, status)).toBe(false);
  });

  it('lets an operator offboard from any live status', () => {
    for (const from of ['pending', 'active', 'needs_attention', 'paused'] as const) {
      expect(canTransition(from, 'offboarded')).toBe(true);
    }
  });

  it('refuses an illegal transition with a coded error', () => {
    expect(() => assertTransition('t', 'offboarded', 'active')).toThrow(IllegalTenantTransitionError);
    try {
      assertTransition('t', 'offboarded', 'active');
    } catch (error) {
      expect(error).toMatchObject({
        code: 'illegal_tenant_transition',
        kind: 'conflict',
        details: { from: 'offboarded', to: 'active' },
      });
    }
  });
});
