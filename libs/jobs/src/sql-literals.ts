import { escapeLiteral } from 'pg';

type Scalar = string | number | boolean | Date | null | undefined;

/**
 * A parameterised statement as plain SQL, each `$n` replaced by its value as a literal (`$n::type[]`
 * by an `ARRAY[…]::type[]`), so that several statements can travel in one simple query — one
 * round trip instead of one per statement. Strings go through the driver's own `escapeLiteral`;
 * numbers must be finite. Only for statements whose text holds no `$` but its placeholders.
 */
export function inlineParameters(sql: string, parameters: readonly unknown[]): string {
  return sql.replace(/\$(\d+)(::(\w+)\[\])?/g, (_, index: string, arrayCast?: string, type?: string) => {
    const value = parameters[Number(index) - 1];
    if (arrayCast === undefined) return literal(value as Scalar);
    if (!Array.isArray(value)) throw new TypeError(`Parameter $${index} must be an array`);
    return `ARRAY[${(value as Scalar[]).map(literal).join(', ')}]::${type}[]`;
  });
}

function literal(value: Scalar): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`Not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return escapeLiteral(value.toISOString());
  if (typeof value === 'string') return escapeLiteral(value);
  throw new TypeError(`Cannot inline a ${typeof value}`);
}
