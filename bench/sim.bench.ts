/**
 * bench:sim — how fast entra-sim serves token requests and Graph pages, so it is never the
 * bottleneck of the platform's own benchmarks. The simulator runs in a child process so its
 * CPU per request can be read from process.cpuUsage() without the client's share; the client
 * (this process) keeps `CONCURRENCY` keep-alive requests in flight on loopback for a bounded
 * time per phase. The last stdout line is one JSON object of figures.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:https';
import { startEntraSim, type RunningEntraSim } from '@tenantry/entra-sim';

const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 3000);
const WARMUP_MS = 500;
const CONCURRENCY = 8;
const EXTRA_USERS = 1000;
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

interface SimInfo {
  authorityHost: string;
  graphBaseUrl: string;
  caCertPem: string;
  clientId: string;
  clientSecret: string;
  tenants: string[];
}

type ChildMessage = { type: 'ready'; sims: { reuse: SimInfo; fresh: SimInfo } } | { type: 'cpu'; micros: number };

// ---- child: the simulators ------------------------------------------------------------------

async function serve(): Promise<void> {
  const info = (sim: RunningEntraSim): SimInfo => ({
    authorityHost: sim.authorityHost,
    graphBaseUrl: sim.graphBaseUrl,
    caCertPem: sim.caCertPem,
    clientId: sim.demo.clientId,
    clientSecret: sim.demo.clientSecret,
    tenants: sim.demo.tenants.filter((t) => t.consented).map((t) => t.tenantId),
  });
  const reuse = await startEntraSim();
  const fresh = await startEntraSim({ tokenReuseSeconds: 0 });
  const contoso = reuse.demo.tenants[0].tenantId;
  for (let i = 0; i < EXTRA_USERS; i++)
    reuse.state.upsertUser(contoso, { displayName: `Bench User ${i}`, jobTitle: 'Benchmark' });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'cpu') {
      const usage = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: usage.user + usage.system });
    } else if (message.type === 'stop') {
      void Promise.all([reuse.stop(), fresh.stop()]).then(() => process.exit(0));
    }
  });
  process.send?.({ type: 'ready', sims: { reuse: info(reuse), fresh: info(fresh) } });
}

// ---- parent: the load -------------------------------------------------------------------------

function call(
  agent: Agent,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function ask<T extends ChildMessage['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolve) => {
    const listener = (message: ChildMessage) => {
      if (message.type === type) {
        child.off('message', listener);
        resolve(message as Extract<ChildMessage, { type: T }>);
      }
    };
    child.on('message', listener);
    if (type === 'cpu') child.send({ type: 'cpu' });
  });
}

/** Runs `operation` with CONCURRENCY in flight for PHASE_MS; returns rate and child CPU/request. */
async function phase(
  child: ChildProcess,
  operation: (worker: number) => Promise<void>,
): Promise<{ perSecond: number; cpuMicrosPerRequest: number; count: number }> {
  const run = async (durationMs: number): Promise<number> => {
    const deadline = Date.now() + durationMs;
    let count = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, worker) => {
        while (Date.now() < deadline) {
          await operation(worker);
          count++;
        }
      }),
    );
    return count;
  };
  await run(WARMUP_MS);
  const cpuBefore = (await ask(child, 'cpu')).micros;
  const started = process.hrtime.bigint();
  const count = await run(PHASE_MS);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = (await ask(child, 'cpu')).micros;
  return { perSecond: count / seconds, cpuMicrosPerRequest: (cpuAfter - cpuBefore) / count, count };
}

async function main(): Promise<void> {
  const child = fork(__filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const { sims } = await ask(child, 'ready');
    const agentFor = (sim: SimInfo) => new Agent({ ca: sim.caCertPem, keepAlive: true, maxSockets: CONCURRENCY });

    const tokenOperation = (sim: SimInfo, agent: Agent) => async (worker: number) => {
      const tenant = sim.tenants[worker % sim.tenants.length];
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sim.clientId,
        client_secret: sim.clientSecret,
        scope: GRAPH_SCOPE,
      }).toString();
      const response = await call(
        agent,
        'POST',
        `${sim.authorityHost}/${tenant}/oauth2/v2.0/token`,
        { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      );
      if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${response.text}`);
    };

    const reuseAgent = agentFor(sims.reuse);
    const tokens = await phase(child, tokenOperation(sims.reuse, reuseAgent));
    const freshAgent = agentFor(sims.fresh);
    const freshTokens = await phase(child, tokenOperation(sims.fresh, freshAgent));

    const tokenBody = await call(
      reuseAgent,
      'POST',
      `${sims.reuse.authorityHost}/${sims.reuse.tenants[0]}/oauth2/v2.0/token`,
      { 'content-type': 'application/x-www-form-urlencoded' },
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sims.reuse.clientId,
        client_secret: sims.reuse.clientSecret,
        scope: GRAPH_SCOPE,
      }).toString(),
    );
    const bearer = { authorization: `Bearer ${(JSON.parse(tokenBody.text) as { access_token: string }).access_token}` };

    // Each worker walks the users list page by page (100 users a page), starting over at the end.
    const cursors: string[] = [];
    const firstPage = `${sims.reuse.graphBaseUrl}/users?$top=100`;
    const graph = await phase(child, async (worker) => {
      const response = await call(reuseAgent, 'GET', cursors[worker] ?? firstPage, bearer);
      if (response.status !== 200) throw new Error(`graph page failed: ${response.status} ${response.text}`);
      cursors[worker] = (JSON.parse(response.text) as { '@odata.nextLink'?: string })['@odata.nextLink'] ?? firstPage;
    });

    const deltaCursors: string[] = [];
    const firstDelta = `${sims.reuse.graphBaseUrl}/users/delta?$top=100`;
    const delta = await phase(child, async (worker) => {
      const response = await call(reuseAgent, 'GET', deltaCursors[worker] ?? firstDelta, bearer);
      if (response.status !== 200) throw new Error(`delta page failed: ${response.status} ${response.text}`);
      deltaCursors[worker] =
        (JSON.parse(response.text) as { '@odata.nextLink'?: string })['@odata.nextLink'] ?? firstDelta;
    });

    reuseAgent.destroy();
    freshAgent.destroy();
    const round = (n: number) => Math.round(n * 10) / 10;
    const figures = {
      token_requests_per_s: Math.round(tokens.perSecond),
      token_cpu_us_per_req: round(tokens.cpuMicrosPerRequest),
      token_requests_per_s_fresh_sign: Math.round(freshTokens.perSecond),
      token_cpu_us_per_req_fresh_sign: round(freshTokens.cpuMicrosPerRequest),
      graph_pages_per_s: Math.round(graph.perSecond),
      graph_cpu_us_per_page: round(graph.cpuMicrosPerRequest),
      graph_users_per_page: 100,
      graph_delta_pages_per_s: Math.round(delta.perSecond),
      graph_delta_cpu_us_per_page: round(delta.cpuMicrosPerRequest),
      concurrency: CONCURRENCY,
      phase_ms: PHASE_MS,
      node: process.version,
    };
    process.stdout.write(
      `token: ${tokens.count} requests (60 s token reuse, as Entra's cache), fresh-signed: ${freshTokens.count}; graph users pages: ${graph.count}; delta pages: ${delta.count}\n`,
    );
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    child.send({ type: 'stop' });
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

if (process.argv.includes('--serve')) {
  serve().catch((error: unknown) => {
    process.stderr.write(`sim child failed: ${String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`bench:sim failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
