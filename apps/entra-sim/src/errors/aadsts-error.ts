/**
 * An identity-platform failure as Entra reports it: an OAuth `error`, an AADSTS number and
 * the HTTP status. The server renders it in Entra's body shape (error_description starting
 * `AADSTSnnnn:`, error_codes, timestamp, trace_id, correlation_id, error_uri).
 */
export class AadstsError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly description: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(`AADSTS${code}: ${description}`);
    this.name = 'AadstsError';
  }
}
