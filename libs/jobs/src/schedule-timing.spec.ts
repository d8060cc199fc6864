import { scheduleProblem } from './schedule-timing';

describe('schedule timing', () => {
  it('accepts a five-field cron in a time zone, or an interval of at least a minute', () => {
    expect(scheduleProblem({ cron: '0 */6 * * *', timezone: 'Europe/Paris' })).toBeUndefined();
    expect(scheduleProblem({ everyMs: 6 * 3600 * 1000 })).toBeUndefined();
  });

  it('refuses what would not fire as meant', () => {
    expect(scheduleProblem({ cron: 'every day' })).toMatch(/five fields/);
    expect(scheduleProblem({ cron: '* * * * * *' })).toMatch(/five fields/);
    expect(scheduleProblem({ cron: '61 * * * *' })).toMatch(/invalid cron/);
    expect(scheduleProblem({ cron: '0 * * * *', timezone: 'Mars/Olympus_Mons' })).toMatch(/time zone/);
    expect(scheduleProblem({ everyMs: 1000 })).toMatch(/a minute/);
    expect(scheduleProblem({} as never)).toMatch(/exactly one/);
  });
});
