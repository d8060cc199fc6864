import { randomUUID } from 'node:crypto';

/** The parts of an OpenAPI 3 document the contract test reads. */
export interface OpenApiSchema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  items?: OpenApiSchema;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  additionalProperties?: boolean | OpenApiSchema;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  example?: unknown;
  default?: unknown;
}

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: OpenApiSchema;
}

export interface OpenApiMediaType {
  schema?: OpenApiSchema;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}

export interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content?: Record<string, OpenApiMediaType> };
  responses?: Record<string, unknown>;
  security?: Record<string, string[]>[];
  'x-required-role'?: string;
  'x-public'?: boolean;
  'x-audit-action'?: string;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, OpenApiSchema> };
}

export interface Operation {
  readonly method: string;
  readonly path: string;
  readonly name: string;
  readonly operation: OpenApiOperation;
  readonly pathParameters: OpenApiParameter[];
  readonly queryParameters: OpenApiParameter[];
  /** The JSON body's schema, with references resolved (undefined when the operation takes none). */
  readonly body: OpenApiSchema | undefined;
  readonly media: OpenApiMediaType | undefined;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);
export const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Every operation of the document, in its order. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([method, operation]) => {
        const parameters = (operation.parameters ?? []).map((parameter) => ({
          ...parameter,
          schema: resolveSchema(document, parameter.schema ?? {}),
        }));
        const media = operation.requestBody?.content?.['application/json'];
        return {
          method: method.toUpperCase(),
          path,
          name: `${method.toUpperCase()} ${path}`,
          operation,
          // In the order they appear in the path: each names something inside the one before.
          pathParameters: parameters
            .filter((parameter) => parameter.in === 'path')
            .sort((one, other) => path.indexOf(`{${one.name}}`) - path.indexOf(`{${other.name}}`)),
          queryParameters: parameters.filter((parameter) => parameter.in === 'query'),
          body: media?.schema ? resolveSchema(document, media.schema) : undefined,
          media,
        };
      }),
  );
}

/** Resolves `$ref`s (local ones, as Nest writes them), recursively. */
export function resolveSchema(document: OpenApiDocument, schema: OpenApiSchema, depth = 0): OpenApiSchema {
  if (depth > 20) throw new Error('OpenAPI schema nests too deep, or is recursive');
  let resolved = schema;
  while (resolved.$ref) {
    const name = resolved.$ref.replace('#/components/schemas/', '');
    const target = document.components?.schemas?.[name];
    if (!target) throw new Error(`Unresolvable $ref ${resolved.$ref}`);
    resolved = target;
  }
  return {
    ...resolved,
    items: resolved.items && resolveSchema(document, resolved.items, depth + 1),
    properties:
      resolved.properties &&
      Object.fromEntries(
        Object.entries(resolved.properties).map(([name, property]) => [
          name,
          resolveSchema(document, property, depth + 1),
        ]),
      ),
  };
}

/** A small seeded generator (mulberry32): the same inputs on every run, different per seed. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let value = this.state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  }

  integer(below: number): number {
    return Math.floor(this.next() * below);
  }

  pick<T>(values: readonly T[]): T {
    return values[this.integer(values.length)];
  }

  /** `count` edits of a text: a character replaced, inserted or dropped, a word replaced or repeated. */
  editsOf(text: string, count: number): string[] {
    const pieces = [
      ...'* / - , ? # L W 0 9 60 99 -1 */0 1-0 5/0 2147483648 1e9 . .. : +14 Etc/GMT+99'.split(' '),
      ' ',
      '\u0000',
      '\ud83d\udca5',
    ];
    const edits: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const words = text.split(' ');
      const at = this.integer(text.length + 1);
      const word = this.integer(words.length);
      switch (this.integer(5)) {
        case 0:
          edits.push(text.slice(0, at) + this.pick(pieces) + text.slice(at + 1));
          break;
        case 1:
          edits.push(text.slice(0, at) + this.pick(pieces) + text.slice(at));
          break;
        case 2:
          edits.push(text.slice(0, at) + text.slice(at + 1));
          break;
        case 3:
          words[word] = this.pick(pieces);
          edits.push(words.join(' '));
          break;
        default:
          words.splice(word, 0, words[word]);
          edits.push(words.join(' '));
      }
    }
    return edits;
  }

  /** A string of awkward characters: controls, NUL, quotes, SQL and URL metacharacters, astral and RTL. */
  awkwardString(maxLength: number): string {
    const alphabet = [
      ...'aZ0 \t\n"\'\\%/?#&=;*{}\u00e9\u202e\u200b\ufeff\uffff\u0000\u0001\u001b\u007f',
      '--',
      '\ud83d\udca5',
      '\ud800',
      '\udc00',
    ];
    const length = 1 + this.integer(maxLength);
    let text = '';
    while (text.length < length) text += this.pick(alphabet);
    return text;
  }
}

/** One request input that breaks the operation's contract (`must: 'refuse'`) or merely tests it. */
export interface GeneratedValue<T> {
  readonly label: string;
  readonly value: T;
  /** `refuse`: the document says it is invalid, so 4xx. `survive`: allowed or not, never a 5xx. */
  readonly must: 'refuse' | 'survive';
}

/** Well-formed instants at the edges of what a database or Date can hold. */
const EDGE_DATE_TIMES = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00.000Z',
  '1969-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59.999Z',
  '2026-06-01T00:00:00.123456789Z',
  '2026-06-01T00:00:00+14:00',
  '2026-06-01T00:00:00-12:00',
];

/** A value that fits the schema: its example, default or first enum value, else one built from its type. */
export function validValue(schema: OpenApiSchema): unknown {
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0];
  switch (schema.type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [validValue(schema.items ?? { type: 'string' })];
    case 'object':
      return validObject(schema);
    default:
      if (schema.format === 'uuid') return randomUUID();
      if (schema.format === 'date-time') return new Date(Date.now() + 86_400_000).toISOString();
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
  }
}

/** Only the required properties, each valid: the least body the schema accepts. */
function validObject(schema: OpenApiSchema): Record<string, unknown> {
  return Object.fromEntries((schema.required ?? []).map((name) => [name, validValue(schema.properties?.[name] ?? {})]));
}

/** The valid bodies the document offers for an operation: its examples, else the least one. */
export function validBodies(operation: Operation): unknown[] {
  if (!operation.body) return [undefined];
  const media = operation.media;
  const examples = [
    ...(media?.example === undefined ? [] : [media.example]),
    ...Object.values(media?.examples ?? {}).map((example) => example.value),
    ...(operation.body.example === undefined ? [] : [operation.body.example]),
  ];
  return examples.length > 0 ? examples : [validObject(operation.body)];
}

/** JSON values that break the schema: wrong types, out of range, too long, malformed formats, nulls. */
export function invalidJsonValues(
  schema: OpenApiSchema,
  random: SeededRandom,
  required = true,
): GeneratedValue<unknown>[] {
  const refuse = (label: string, value: unknown): GeneratedValue<unknown> => ({ label, value, must: 'refuse' });
  const survive = (label: string, value: unknown): GeneratedValue<unknown> => ({ label, value, must: 'survive' });
  const values: GeneratedValue<unknown>[] = [];
  const type = schema.type ?? (schema.enum ? 'string' : undefined);
  // An optional property sent as null is read as left out (class-validator's IsOptional): lenient, not broken.
  if (!schema.nullable) values.push(required ? refuse('null', null) : survive('null', null));
  const wrongTypes: Record<string, unknown[]> = {
    string: [42, true, [], {}, ['x']],
    integer: ['1', true, [], {}, [1]],
    number: ['1', true, [], {}, [1]],
    boolean: ['true', 1, 0, [], {}],
    object: ['x', 42, true, [], [{}]],
    array: ['x', 42, true, {}],
  };
  for (const value of wrongTypes[type ?? ''] ?? []) values.push(refuse(`a ${typeOf(value)}`, value));

  if (type === 'string') {
    if (schema.enum) {
      values.push(refuse('a value outside the enum', 'not-in-enum'));
      const upper = String(schema.enum[0]).toUpperCase();
      if (!schema.enum.includes(upper)) values.push(refuse('an enum value in upper case', upper));
    }
    if (schema.maxLength !== undefined) {
      values.push(refuse(`${schema.maxLength + 1} characters`, 'a'.repeat(schema.maxLength + 1)));
      values.push(refuse('60,000 characters', 'a'.repeat(60_000)));
    }
    if ((schema.minLength ?? 0) > 0) values.push(refuse('an empty string', ''));
    if (schema.format === 'uuid') {
      for (const value of ['not-a-uuid', '00000000-0000-0000-0000-00000000000g', `${randomUUID()}0`, '{}'])
        values.push(refuse(`malformed uuid ${value}`, value));
    }
    if (schema.format === 'date-time') {
      for (const value of ['tomorrow', '2026-13-01T00:00:00Z', '2026-02-30T25:61:00Z', '1', '9'.repeat(30)])
        values.push(refuse(`malformed date-time ${value}`, value));
      for (const value of EDGE_DATE_TIMES) values.push(survive(`the date-time ${value}`, value));
    }
    if (schema.pattern) {
      const pattern = new RegExp(schema.pattern, 'u');
      for (const value of ['', ' ', 'a b', '\u0000', '../..', '\ud83d\udca5', 'a\nb'])
        if (!pattern.test(value)) values.push(refuse(`${JSON.stringify(value)} against ${schema.pattern}`, value));
    }
    // The documented example, edited: what a typo or a guess makes of it (a cron, a zone, a type).
    if (typeof schema.example === 'string') {
      for (const value of random.editsOf(schema.example, 12))
        values.push(survive(`example edited to ${JSON.stringify(value)}`, value));
    }
    // Allowed by the document or not, text like this must never break the server.
    for (let index = 0; index < 4; index += 1) {
      const value = random.awkwardString(Math.min(schema.maxLength ?? 40, 40));
      values.push(survive(`awkward text ${JSON.stringify(value)}`, value));
    }
  }

  if (type === 'integer' || type === 'number') {
    if (type === 'integer') values.push(refuse('a fraction', (schema.minimum ?? 0) + 1.5));
    if (schema.minimum !== undefined) {
      values.push(refuse('below the minimum', schema.minimum - 1));
      values.push(refuse('a huge negative number', -1e308));
    }
    if (schema.maximum !== undefined) {
      values.push(refuse('above the maximum', schema.maximum + 1));
      values.push(refuse('a huge number', 1e308));
      values.push(refuse('beyond 64 bits', 2 ** 64));
    }
    for (const value of [0, -1, 2 ** 31, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1e21, -0.0001, 1e-7])
      values.push(survive(`the number ${value}`, value));
  }

  if (type === 'object') {
    if (schema.additionalProperties === false || (schema.properties && !schema.additionalProperties)) {
      values.push(refuse('an unknown property', { ...validObject(schema), unknownProperty: true }));
    }
    values.push(survive('a deeply nested object', nested(2000)));
    values.push(survive('awkward keys', { ['\u0000']: 1, __proto__x: 2, constructor: 3, ['\ud800']: 4 }));
  }
  return values;
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let index = 0; index < depth; index += 1) value = { a: value };
  return value;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

/** Whole bodies that break the body schema, beside per-property violations of a valid body. */
export function invalidBodies(
  schema: OpenApiSchema,
  valid: Record<string, unknown>,
  random: SeededRandom,
): GeneratedValue<string>[] {
  const refuse = (label: string, value: string): GeneratedValue<string> => ({ label, value, must: 'refuse' });
  const survive = (label: string, value: string): GeneratedValue<string> => ({ label, value, must: 'survive' });
  const values: GeneratedValue<string>[] = [
    refuse('not JSON', 'not json'),
    refuse('truncated JSON', JSON.stringify(valid).slice(0, -1) || '{'),
    refuse('JSON with a trailing comma', '{"a": 1,}'),
    refuse('a JSON array', '[]'),
    refuse('an array of the valid body', JSON.stringify([valid])),
    refuse('a JSON string', '"x"'),
    refuse('a JSON number', '42'),
    refuse('JSON null', 'null'),
    refuse('JSON true', 'true'),
    refuse('an unknown field', JSON.stringify({ ...valid, unknownField: 1 })),
    // class-transformer drops `__proto__` (its guard against prototype pollution) before validation sees it.
    survive(
      'a prototype-polluting field',
      `{${JSON.stringify(valid).slice(1, -1)}${Object.keys(valid).length > 0 ? ',' : ''}"__proto__": {"admin": true}}`,
    ),
    survive(
      'duplicate keys',
      `{${JSON.stringify(valid).slice(1, -1)}${Object.keys(valid).length > 0 ? ',' : ''}"x": 1, "x": 2}`,
    ),
  ];
  for (const name of schema.required ?? []) {
    const { [name]: _dropped, ...rest } = valid;
    values.push(refuse(`without the required ${name}`, JSON.stringify(rest)));
  }
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    for (const violation of invalidJsonValues(property, random, schema.required?.includes(name) ?? false)) {
      values.push({
        label: `${name}: ${violation.label}`,
        value: JSON.stringify({ ...valid, [name]: violation.value }),
        must: violation.must,
      });
    }
  }
  return values;
}

/** Raw query-string values that break a query parameter's schema (already URL-encoded). */
export function invalidQueryValues(schema: OpenApiSchema, random: SeededRandom): GeneratedValue<string[]>[] {
  const refuse = (label: string, ...value: string[]): GeneratedValue<string[]> => ({ label, value, must: 'refuse' });
  const survive = (label: string, ...value: string[]): GeneratedValue<string[]> => ({ label, value, must: 'survive' });
  const values: GeneratedValue<string[]>[] = [];
  const type = schema.type;
  if (type === 'integer' || type === 'number') {
    for (const value of ['abc', '', 'NaN', 'Infinity', '-Infinity', '1e400', '0x10', '1,2', '%00', '%F0%9F%92%A5'])
      values.push(refuse(`the text ${value || '(empty)'}`, value));
    values.push(refuse('the parameter twice', '1', '2'));
    if (type === 'integer') values.push(refuse('a fraction', String((schema.minimum ?? 0) + 1.5)));
    if (schema.minimum !== undefined) {
      values.push(refuse('below the minimum', String(schema.minimum - 1)));
      values.push(refuse('a huge negative number', `-${'9'.repeat(40)}`));
    }
    if (schema.maximum !== undefined) {
      values.push(refuse('above the maximum', String(schema.maximum + 1)));
      values.push(refuse('a huge number', '9'.repeat(40)));
    }
  } else if (type === 'boolean') {
    for (const value of ['yes', '1', '0', 'TRUE', '', 'null'])
      values.push(refuse(`the text ${value || '(empty)'}`, value));
    values.push(refuse('the parameter twice', 'true', 'false'));
  } else if (type === 'array') {
    const items = schema.items ?? {};
    if (items.enum) {
      const first = encodeURIComponent(String(items.enum[0]));
      values.push(refuse('a value outside the enum', 'not-in-enum'));
      values.push(refuse('a list with a value outside the enum', `${first},not-in-enum`));
      values.push(refuse('an empty list item', `${first},`));
      values.push(refuse('an empty value', ''));
      values.push(refuse('a very long list', Array.from({ length: 1000 }, () => first).join(',')));
    }
  } else {
    if (schema.maxLength !== undefined)
      values.push(refuse(`${schema.maxLength + 1} characters`, 'a'.repeat(schema.maxLength + 1)));
    if ((schema.minLength ?? 0) > 0) values.push(refuse('an empty value', ''));
    if (schema.enum) values.push(refuse('a value outside the enum', 'not-in-enum'));
    if (schema.format === 'date-time') {
      for (const value of ['tomorrow', '2026-13-01T00:00:00Z', '2026-02-30T25:61:00Z', '1', ''])
        values.push(refuse(`malformed date-time ${value || '(empty)'}`, percentEncode(value)));
      for (const value of EDGE_DATE_TIMES) values.push(survive(`the date-time ${value}`, percentEncode(value)));
    }
    if (schema.format === 'uuid') values.push(refuse('a malformed uuid', 'not-a-uuid'));
    values.push(refuse('the parameter twice', 'a', 'b'));
    for (let index = 0; index < 4; index += 1) {
      const value = random.awkwardString(30);
      values.push(survive(`awkward text ${JSON.stringify(value)}`, percentEncode(value)));
    }
    values.push(survive('invalid UTF-8', '%C0%AF%ED%A0%80'));
    values.push(survive('a stray percent sign', '%'));
  }
  return values;
}

/** Path segments (URL-encoded) that name no resource: malformed ids, hostile text, invalid UTF-8. */
export function invalidPathValues(schema: OpenApiSchema, random: SeededRandom): GeneratedValue<string>[] {
  const refuse = (label: string, value: string): GeneratedValue<string> => ({ label, value, must: 'refuse' });
  const values = [
    'not-an-id',
    '0',
    '-1',
    '1.5',
    '9'.repeat(40),
    '9223372036854775808',
    '18446744073709551616',
    'a'.repeat(2000),
    '00000000-0000-0000-0000-00000000000g',
    `${randomUUID()}0`,
    randomUUID().replace(/-/g, ''),
    '%00',
    '%20',
    '%25',
    '%E2%80%AE',
    '%F0%9F%92%A5',
    '%ED%A0%80',
    '%C0%AF',
    '%',
    "1'%20OR%20'1'%3D'1",
    '..%2F..%2Fetc',
    'null',
    'undefined',
    '__proto__',
  ].map((value) =>
    refuse(`the segment ${value.length > 40 ? `${value.slice(0, 20)}…(${value.length})` : value}`, value),
  );
  if (schema.format === 'uuid' || schema.pattern)
    values.push(refuse('the nil uuid', '00000000-0000-0000-0000-000000000000'));
  for (let index = 0; index < 4; index += 1) {
    const value = percentEncode(random.awkwardString(30));
    values.push(refuse(`awkward text ${value}`, value));
  }
  return values;
}

/** Percent-encodes every byte but the unreserved ones; a lone surrogate goes as U+FFFD, as a browser sends it. */
export function percentEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

/**
 * A real keyset cursor (base64url JSON of the last row's sort key) with one value at a time
 * replaced by one of another type, range or shape, re-encoded: what a client that edits cursors
 * sends. Allowed or refused, never a 5xx. Without a cursor, cursors of made-up shapes.
 */
export function alteredCursors(cursor: string | undefined): GeneratedValue<string[]>[] {
  const encode = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');
  const survive = (label: string, value: string): GeneratedValue<string[]> => ({
    label,
    value: [value],
    must: 'survive',
  });
  let values: unknown[] = [];
  try {
    const decoded =
      cursor === undefined ? [] : (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown);
    if (Array.isArray(decoded)) values = decoded;
  } catch {
    values = [];
  }
  const replacements: unknown[] = [
    null,
    true,
    {},
    [],
    -1,
    1.5,
    2 ** 53 + 2,
    1e308,
    '',
    'x'.repeat(600),
    '\u0000',
    '\ud800',
    '2026-02-30T00:00:00.000Z',
    '0000-01-01T00:00:00.000Z',
    '+275760-09-13T00:00:00.000Z',
    'not-a-uuid',
    '00000000-0000-0000-0000-000000000000',
    "x' OR '1'='1",
  ];
  const altered: GeneratedValue<string[]>[] = [
    survive('a cursor of nothing', encode([])),
    survive('a cursor of an object', encode({ a: 1 })),
    survive('a cursor of a string', encode('x')),
    survive('a cursor too long by one', encode([...values, 'x'])),
  ];
  if (values.length > 1) altered.push(survive('a cursor short by one', encode(values.slice(0, -1))));
  values.forEach((_value, index) => {
    for (const replacement of replacements) {
      const changed = [...values];
      changed[index] = replacement;
      altered.push(survive(`cursor value ${index} as ${JSON.stringify(replacement).slice(0, 30)}`, encode(changed)));
    }
  });
  return altered;
}
