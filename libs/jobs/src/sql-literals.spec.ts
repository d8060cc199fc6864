import { inlineParameters } from './sql-literals';

describe('inlineParameters', () => {
  it('writes scalars and typed arrays as literals', () => {
    expect(
      inlineParameters('SELECT $1, $2, unnest($3::bigint[]), $4::text[], $10::jsonb[]', [
        256,
        'a',
        ['1', '2'],
        [],
        ...Array.from({ length: 5 }, () => null),
        ['{"done":1}', null],
      ]),
    ).toBe(`SELECT 256, 'a', unnest(ARRAY['1', '2']::bigint[]), ARRAY[]::text[], ARRAY['{"done":1}', NULL]::jsonb[]`);
  });

  it('escapes quotes and backslashes, so a message cannot end its literal', () => {
    expect(inlineParameters('SELECT $1::text[]', [[`it's \\'; DROP TABLE job_runs; --`]])).toBe(
      `SELECT ARRAY[ E'it''s \\\\''; DROP TABLE job_runs; --']::text[]`,
    );
  });

  it('writes dates in ISO form and refuses what it cannot write safely', () => {
    expect(inlineParameters('SELECT $1', [new Date('2026-11-24T07:00:00.000Z')])).toBe(
      `SELECT '2026-11-24T07:00:00.000Z'`,
    );
    expect(() => inlineParameters('SELECT $1', [Number.NaN])).toThrow(TypeError);
    expect(() => inlineParameters('SELECT $1', [{}])).toThrow(TypeError);
    expect(() => inlineParameters('SELECT $1::int[]', [1])).toThrow(TypeError);
  });
});
