/** When to refresh and until when to serve a token, from its expiry and the server's `refresh_in`. */
export interface TokenTimes {
  readonly expiresOn: number;
  readonly refreshOn: number;
}

const DEFAULT_REFRESH_LEAD_MS = 5 * 60_000;
const MAX_SERVE_MARGIN_MS = 60_000;

/**
 * Refresh a few minutes before expiry (at most half-way through a short token's life), with
 * jitter so thousands of tenants acquired together do not all refresh in the same second.
 */
export function refreshTimeOf(
  now: number,
  expiresOn: number,
  serverRefreshOn: number | undefined,
  random = Math.random,
): number {
  if (serverRefreshOn !== undefined && serverRefreshOn > now && serverRefreshOn < expiresOn) return serverRefreshOn;
  const lead = Math.min(DEFAULT_REFRESH_LEAD_MS, (expiresOn - now) / 2);
  return Math.round(expiresOn - lead - random() * lead * 0.2);
}

/**
 * The last moment a cached token is handed out: a caller needs time to use it. The margin is a
 * minute, or less for short-lived tokens, and always after the refresh time.
 */
export function servableUntil({ expiresOn, refreshOn }: TokenTimes): number {
  return expiresOn - Math.min(MAX_SERVE_MARGIN_MS, Math.max(0, (expiresOn - refreshOn) / 2));
}
