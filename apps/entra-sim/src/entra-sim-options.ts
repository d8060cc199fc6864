import type { SimDirectory } from './directory/sim-directory';
import type { SimSeed } from './directory/sim-seed';
import type { FaultInjector } from './faults/fault-injector';
import type { GraphThrottle, GraphThrottleLimit } from './graph/graph-throttle';
import type { RequestCounters } from './metrics/request-counters';

export interface EntraSimOptions {
  /** 0 = ephemeral (the default, for tests); the CLI uses SIM_PORT or 8443. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Where the CA and server certificate PEMs are loaded from or written to. Default: a fresh
   * temporary directory, removed by stop(); the CLI uses ./.tenantry/sim so the CA persists.
   */
  tlsDir?: string;
  /** Default 'demo'. */
  seed?: SimSeed | 'demo' | 'empty';
  /** Guards /_sim/...; random when not given. */
  controlKey?: string;
  /** How long a fresh admin consent takes before the token endpoint honours it. Default 0. */
  consentPropagationDelayMs?: number;
  /** `expires_in` of issued tokens. Default 3599. */
  tokenLifetimeSeconds?: number;
  /**
   * An identical token request within this many seconds of a signed token gets that token back
   * (as Entra's own token cache does); 0 signs every time. Default 60.
   */
  tokenReuseSeconds?: number;
  /** Graph throttling per app per tenant; default off (null). */
  graphThrottle?: GraphThrottleLimit | null;
}

export interface DemoInfo {
  clientId: string;
  clientSecret: string;
  tenants: Array<{ tenantId: string; displayName: string; domain: string; consented: boolean }>;
  /** The resource of the token scope: `https://graph.microsoft.com` (scope `${resource}/.default`). */
  resource: string;
  redirectUris: string[];
}

export interface RunningEntraSim {
  /** `https://127.0.0.1:PORT`; an msal authority is `${authorityHost}/${tenantId}`. */
  authorityHost: string;
  /** `https://127.0.0.1:PORT/v1.0` (version included, like the Graph SDK's base URL). */
  graphBaseUrl: string;
  /** `host:port`, what msal's `knownAuthorities` needs. */
  knownAuthority: string;
  caCertPath: string;
  caCertPem: string;
  controlKey: string;
  port: number;
  demo: DemoInfo;
  /** In-process access to the directory: the same operations the control API exposes. */
  state: SimDirectory;
  faults: FaultInjector;
  counters: RequestCounters;
  throttle: GraphThrottle;
  /** Restores the seed the simulator started with (or the one given) and clears faults/counters. */
  reset(seed?: SimSeed | 'demo' | 'empty'): void;
  stop(): Promise<void>;
}
