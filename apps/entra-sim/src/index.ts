export { startEntraSim } from './start-entra-sim';
export type { DemoInfo, EntraSimOptions, RunningEntraSim } from './entra-sim-options';
export { SimDirectory, DEFAULT_USER_PROPERTIES } from './directory/sim-directory';
export type { DeleteUserOptions, GrantConsentOptions } from './directory/sim-directory';
export { SimDirectoryError } from './directory/sim-directory.error';
export type { SimUser } from './directory/directory-records';
export type {
  SimAppSeed,
  SimCertificateSeed,
  SimConsentSeed,
  SimFederatedCredentialSeed,
  SimSecretSeed,
  SimSeed,
  SimTenantSeed,
  SimUserSeed,
} from './directory/sim-seed';
export {
  buildDemoSeed,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_REDIRECT_URIS,
  DEMO_REQUIRED_ROLES,
} from './directory/demo-seed';
export { deterministicGuid } from './directory/deterministic-id';
export type { FaultRule, FaultSpec, SimEndpoint } from './faults/fault-injector';
export { FaultInjector } from './faults/fault-injector';
export { RequestCounters } from './metrics/request-counters';
export type { RequestCounterSnapshot } from './metrics/request-counters';
export { GraphThrottle } from './graph/graph-throttle';
export type { GraphThrottleLimit } from './graph/graph-throttle';
export { GRAPH_APP_ID, GRAPH_RESOURCE } from './tokens/token-endpoint';
export { createCertificate } from './tls/certificate-factory';
export type { CertificateRequest, CertificateWithKey } from './tls/certificate-factory';
export { HttpsCaNetworkModule } from './testing/https-ca-network-module';
export type { HttpsCaNetworkModuleOptions } from './testing/https-ca-network-module';
export {
  findRunningPlatform,
  findRunningSimulator,
  identityPlatformOfSimulator,
  resolveIdentityPlatform,
} from './embedded-identity-platform';
export type { ResolvedIdentityPlatform, RunningPlatform } from './embedded-identity-platform';
