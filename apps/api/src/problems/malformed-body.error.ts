import { DomainError, DomainErrorKind } from '@tenantry/errors';

// What Express' body parser reports, by its `type`, as our own coded errors.
const BODY_ERRORS: Record<string, { code: string; kind: DomainErrorKind; detail: string }> = {
  // Also what the parser says of valid JSON that is not an object or an array (`null`, `"text"`).
  'entity.parse.failed': {
    code: 'malformed_json',
    kind: 'invalid',
    detail: 'The request body is not valid JSON, or not a JSON object or array.',
  },
  'entity.too.large': { code: 'body_too_large', kind: 'too_large', detail: 'The request body is larger than allowed.' },
  'encoding.unsupported': {
    code: 'unsupported_encoding',
    kind: 'unsupported_media_type',
    detail: 'The body encoding is not supported.',
  },
  'charset.unsupported': {
    code: 'unsupported_charset',
    kind: 'unsupported_media_type',
    detail: 'The body charset is not supported.',
  },
  'request.aborted': { code: 'request_aborted', kind: 'invalid', detail: 'The request body was cut short.' },
  'request.size.invalid': {
    code: 'malformed_body',
    kind: 'invalid',
    detail: 'The body length does not match its Content-Length.',
  },
};

/** A request body the parser could not read: malformed, too large, or in an unknown encoding. */
export class MalformedBodyError extends DomainError {
  private constructor(
    readonly code: string,
    readonly kind: DomainErrorKind,
    detail: string,
  ) {
    super(detail);
  }

  /** A body in a media type the JSON parser skips: the route would run as if none was sent. */
  static notJson(): MalformedBodyError {
    return new MalformedBodyError(
      'unsupported_media_type',
      'unsupported_media_type',
      'The request body must be application/json.',
    );
  }

  /** The body parser's error as a domain error, or undefined when it is something else. */
  static from(error: unknown): MalformedBodyError | undefined {
    if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
    const known = BODY_ERRORS[String(error.type)];
    return known && new MalformedBodyError(known.code, known.kind, known.detail);
  }
}
