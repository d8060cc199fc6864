import type { Metrics } from 'bullmq';
import { finishedInLast } from './queue-backend';

const MINUTE = 60_000;
const at = (minute: number) => minute * MINUTE + 17_000;
const metrics = (count: number, prevMinute: number, prevCount: number, data: number[]): Metrics => ({
  meta: { count, prevTS: prevMinute === 0 ? 0 : at(prevMinute), prevCount },
  data,
  count: data.length,
});

describe('finishedInLast', () => {
  it('counts nothing before BullMQ recorded anything', () => {
    expect(finishedInLast(metrics(0, 0, 0, []), 60, at(100))).toBe(0);
  });

  it('does not know where BullMQ does not say when its last minute ended (PostgreSQL backend)', () => {
    expect(finishedInLast(metrics(20, 0, 0, [5, 4, 2]), 2, at(100))).toBeNull();
  });

  it('does not let a clock ahead of ours make the last minute look older', () => {
    expect(finishedInLast(metrics(7, 101, 0, []), 1, at(100))).toBe(7);
  });

  it('counts the jobs since the last data point, which are in no data point yet', () => {
    // 7 finished in minute 100, none written as a data point yet.
    expect(finishedInLast(metrics(7, 100, 0, []), 1, at(100))).toBe(7);
    expect(finishedInLast(metrics(7, 100, 0, []), 5, at(102))).toBe(7);
    expect(finishedInLast(metrics(7, 100, 0, []), 1, at(101))).toBe(0);
  });

  it('adds the minutes before, newest first, as far back as asked', () => {
    // 3 since minute 100; minutes 99, 98, 97 had 5, 4, 2.
    const m = metrics(14, 100, 11, [5, 4, 2]);
    expect(finishedInLast(m, 1, at(100))).toBe(3);
    expect(finishedInLast(m, 2, at(100))).toBe(8);
    expect(finishedInLast(m, 5, at(100))).toBe(14);
    expect(finishedInLast(m, 3, at(101))).toBe(8);
    expect(finishedInLast(m, 60, at(200))).toBe(0);
  });
});
