import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent, request } from 'node:https';
import { rootCertificates } from 'node:tls';

/** What the last HTTP exchange of one token acquisition looked like (never its body). */
export interface TokenExchange {
  status?: number;
  retryAfterMs?: number;
  networkRequests: number;
}

const exchanges = new AsyncLocalStorage<TokenExchange>();

/**
 * msal-node's HTTP client for the identity platform, on node:https with keep-alive (a token
 * request should not pay a TLS handshake) and an explicit trust store: the system's CAs plus an
 * extra one when configured (a proxy, the simulator), since msal's default `fetch` only learns
 * extra CAs from NODE_EXTRA_CA_CERTS at process start. It also records each response's status and
 * `Retry-After` for the acquisition in progress, which msal's errors do not carry.
 */
export class IdentityHttpClient implements INetworkModule {
  private readonly agent: Agent;

  constructor(
    extraCaPem: string | undefined,
    private readonly timeoutMs = 10_000,
  ) {
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: 64,
      ca: extraCaPem ? [...rootCertificates, extraCaPem] : undefined,
    });
  }

  /** Runs one acquisition with its own exchange record. */
  static record<T>(run: () => Promise<T>): { exchange: TokenExchange; result: Promise<T> } {
    const exchange: TokenExchange = { networkRequests: 0 };
    return { exchange, result: exchanges.run(exchange, run) };
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  close(): void {
    this.agent.destroy();
  }

  private send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    const exchange = exchanges.getStore();
    if (exchange) exchange.networkRequests += 1;
    return new Promise((resolve, reject) => {
      const body = options?.body;
      const outgoing = request(
        url,
        {
          method,
          agent: this.agent,
          headers: { ...options?.headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) },
          timeout: timeout ?? this.timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const status = response.statusCode ?? 0;
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            if (exchange) {
              exchange.status = status;
              exchange.retryAfterMs = parseRetryAfterMs(headers['retry-after']);
            }
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = {};
            try {
              parsed = text ? JSON.parse(text) : {};
            } catch {
              // A non-JSON body (a proxy's HTML error page): msal sees an empty object and the status.
            }
            resolve({ headers, body: parsed as T, status });
          });
        },
      );
      outgoing.on('timeout', () =>
        outgoing.destroy(new Error(`identity platform request timed out after ${timeout ?? this.timeoutMs} ms`)),
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfterMs(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
