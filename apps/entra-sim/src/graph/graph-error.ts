/**
 * A Graph failure: rendered as `{error: {code, message, innerError: {date, request-id,
 * client-request-id}}}` with the status, and Retry-After when throttled.
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}
