import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { isIPv6 } from 'node:net';
import { type AppConfig, APP_CONFIG } from '@tenantry/config';
import { TooManyFailedAuthenticationsError } from './api-key.errors';

const WINDOW_MS = 60_000;

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Slows down guessing API keys: once a client has presented `AUTH_MAX_FAILURES_PER_MINUTE`
 * wrong keys in a minute, its further wrong keys get 429 with Retry-After until that minute is
 * over. A valid key always passes, so a script stuck on a revoked key cannot lock operators out
 * who share its address. Clients are counted per IPv4 address or IPv6 /64 (one host's range);
 * per API process, in a bounded table so a flood of addresses cannot grow it.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly windows = new LRUCache<string, Window>({ max: 50_000 });
  private readonly maxFailures: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.maxFailures = config.http.authMaxFailuresPerMinute;
  }

  /**
   * Counts a wrong key; throws once the client is over its limit. Synchronous, so parallel
   * guesses are all counted.
   */
  recordFailure(address: string, now = Date.now()): void {
    const client = clientOf(address);
    const current = this.windows.get(client);
    const window = current && now - current.startedAt < WINDOW_MS ? current : { startedAt: now, failures: 0 };
    if (window.failures >= this.maxFailures) {
      throw new TooManyFailedAuthenticationsError(Math.ceil((window.startedAt + WINDOW_MS - now) / 1000));
    }
    window.failures += 1;
    this.windows.set(client, window);
  }
}

/** The key a client is counted under: an IPv4 address, or the /64 of an IPv6 one. */
export function clientOf(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!isIPv6(address)) return address;
  const [head, tail = ''] = address.toLowerCase().split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = address.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...headGroups, ...Array(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
