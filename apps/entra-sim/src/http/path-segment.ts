/**
 * Percent-decodes one path segment; undefined when it is malformed (`%E0`, `%zz`), which
 * `decodeURIComponent` reports by throwing and the caller must answer with a 400.
 */
export function decodePathSegment(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}
