import { Agent, request } from 'node:https';

export interface SimHttpResponse<T = unknown> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: T;
}

/** Raw HTTPS calls to the simulator, trusting only its CA (no global state touched). */
export class SimHttp {
  private readonly agent: Agent;

  constructor(ca: string) {
    this.agent = new Agent({ ca, keepAlive: true });
  }

  get<T = unknown>(url: string, headers: Record<string, string> = {}): Promise<SimHttpResponse<T>> {
    return this.send<T>('GET', url, headers);
  }

  post<T = unknown>(url: string, body: string, headers: Record<string, string> = {}): Promise<SimHttpResponse<T>> {
    return this.send<T>('POST', url, { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body);
  }

  send<T = unknown>(
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<SimHttpResponse<T>> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON (an HTML page, an empty body): callers read `text`.
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: json as T });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  destroy(): void {
    this.agent.destroy();
  }
}
