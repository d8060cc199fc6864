import { Agent, request } from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

export interface HttpsCaNetworkModuleOptions {
  /** PEM of the CA(s) to trust, in addition to nothing else (node:https `ca`). */
  ca: string | string[];
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
}

/**
 * An msal-node `system.networkClient` on node:https with an explicit trusted CA. msal's own
 * client uses global fetch, whose trust comes only from NODE_EXTRA_CA_CERTS read at process
 * start, which an in-process simulator (or a test) cannot set in time. Connections are kept
 * alive like fetch's, so a token request does not pay a TLS handshake each time.
 */
export class HttpsCaNetworkModule implements INetworkModule {
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(options: HttpsCaNetworkModuleOptions) {
    this.agent = new Agent({ ca: options.ca, keepAlive: true, maxSockets: 64 });
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  /** Closes idle keep-alive sockets (call when done, so test processes exit cleanly). */
  destroy(): void {
    this.agent.destroy();
  }

  private send<T>(
    method: 'GET' | 'POST',
    url: string,
    options?: NetworkRequestOptions,
    timeout?: number,
  ): Promise<NetworkResponse<T>> {
    return new Promise((resolve, reject) => {
      const body = method === 'POST' ? (options?.body ?? '') : undefined;
      const headers: Record<string, string | number> = { ...(options?.headers ?? {}) };
      if (body !== undefined) headers['content-length'] = Buffer.byteLength(body);
      const req = request(url, { method, headers, agent: this.agent, timeout: timeout ?? this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            // Like msal's fetch client: every answer of the identity platform is JSON, errors too.
            resolve({ headers: responseHeaders, body: JSON.parse(text) as T, status: res.statusCode ?? 0 });
          } catch {
            reject(new Error(`${method} ${url} answered ${res.statusCode} with a body that is not JSON`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
