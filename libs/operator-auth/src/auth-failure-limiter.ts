import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { type AppConfig, APP_CONFIG } from '@tenantry/config';
import { TooManyFailedAuthenticationsError } from './api-key.errors';

const WINDOW_MS = 60_000;

interface Window {
  startedAt: number;
  failures: number;
}

/**
 * Slows down guessing API keys: a client address that fails authentication
 * `AUTH_MAX_FAILURES_PER_MINUTE` times in a minute is refused (429, even with a valid key) until
 * that minute is over. Per API process; the table is bounded so a flood of addresses cannot grow it.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly windows = new LRUCache<string, Window>({ max: 50_000 });
  private readonly maxFailures: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.maxFailures = config.http.authMaxFailuresPerMinute;
  }

  /** Throws while the address is over its limit. */
  check(address: string, now = Date.now()): void {
    const window = this.current(address, now);
    if (window && window.failures >= this.maxFailures) {
      throw new TooManyFailedAuthenticationsError(Math.ceil((window.startedAt + WINDOW_MS - now) / 1000));
    }
  }

  recordFailure(address: string, now = Date.now()): void {
    const window = this.current(address, now) ?? { startedAt: now, failures: 0 };
    window.failures += 1;
    this.windows.set(address, window);
  }

  private current(address: string, now: number): Window | undefined {
    const window = this.windows.get(address);
    return window && now - window.startedAt < WINDOW_MS ? window : undefined;
  }
}
