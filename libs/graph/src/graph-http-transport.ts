import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { Agent, fetch, Response, type RequestInit as UndiciRequestInit } from 'undici';
import { rootCertificates } from 'node:tls';

/**
 * The last link of the Graph client's middleware chain: sends the request with undici over a
 * keep-alive pool that trusts the system's CAs plus an extra one when configured (a proxy, the
 * simulator). It replaces the SDK's HTTPMessageHandler, whose global `fetch` only learns extra
 * CAs from NODE_EXTRA_CA_CERTS at process start.
 */
export class GraphHttpTransport implements Middleware {
  private readonly agent: Agent;

  constructor(extraCaPem: string | undefined) {
    this.agent = new Agent({
      connect: extraCaPem ? { ca: [...rootCertificates, extraCaPem] } : undefined,
      keepAliveTimeout: 30_000,
      // A slow Graph answer fails the request (and its retry policy takes over) instead of
      // holding a worker slot for good.
      headersTimeout: 60_000,
      bodyTimeout: 60_000,
    });
  }

  async execute(context: Context): Promise<void> {
    const init = { ...(context.options as UndiciRequestInit), dispatcher: this.agent };
    const response = await fetch(context.request as string, init);
    // The SDK's RetryHandler retries a 429/503/504 without reading its body, and undici keeps the
    // connection until a body is consumed: read error bodies here so the socket goes back at once.
    const settled = response.ok
      ? response
      : new Response(await response.arrayBuffer(), {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
    // undici's Response is the WHATWG Response the SDK reads; only the type declarations differ.
    context.response = settled as unknown as globalThis.Response;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
