import { isJobRunId } from './job-run-id';

describe('isJobRunId', () => {
  it.each(['1', '42', '9007199254740993', '9223372036854775807'])('accepts %s', (id) => {
    expect(isJobRunId(id)).toBe(true);
  });

  it.each(['', '0', '-1', '007', '1.5', '1e3', ' 1', 'abc', '9223372036854775808', '99999999999999999999', 42])(
    'refuses %p',
    (id) => {
      expect(isJobRunId(id)).toBe(false);
    },
  );
});
