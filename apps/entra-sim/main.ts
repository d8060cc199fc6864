import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startEntraSim, type SimSeed } from '@tenantry/entra-sim';

/**
 * `npm run sim`: the simulator as a process of its own. Settings come from SIM_* variables
 * (this is a standalone dev tool, outside the platform's configuration schema).
 */
async function main(): Promise<void> {
  const env = process.env;
  const seedFile = env.SIM_SEED_FILE;
  const seed: SimSeed | 'demo' | 'empty' = seedFile
    ? (JSON.parse(readFileSync(resolve(seedFile), 'utf8')) as SimSeed)
    : env.SIM_SEED === 'empty'
      ? 'empty'
      : 'demo';
  const sim = await startEntraSim({
    port: env.SIM_PORT !== undefined ? Number(env.SIM_PORT) : 8443,
    host: env.SIM_HOST ?? '127.0.0.1',
    tlsDir: resolve(env.SIM_TLS_DIR ?? '.tenantry/sim'),
    seed,
    controlKey: env.SIM_CONTROL_KEY,
    consentPropagationDelayMs: env.SIM_CONSENT_DELAY_MS !== undefined ? Number(env.SIM_CONSENT_DELAY_MS) : 0,
    tokenLifetimeSeconds:
      env.SIM_TOKEN_LIFETIME_SECONDS !== undefined ? Number(env.SIM_TOKEN_LIFETIME_SECONDS) : undefined,
  });

  const lines = [
    'entra-sim is listening',
    `  authority host   ${sim.authorityHost}        (msal authority: ${sim.authorityHost}/<tenant>, knownAuthorities: ['${sim.knownAuthority}'])`,
    `  discovery        ${sim.authorityHost}/<tenant>/v2.0/.well-known/openid-configuration`,
    `  token endpoint   ${sim.authorityHost}/<tenant>/oauth2/v2.0/token`,
    `  admin consent    ${sim.authorityHost}/organizations/v2.0/adminconsent?client_id=${sim.demo.clientId}&scope=https://graph.microsoft.com/.default&redirect_uri=${encodeURIComponent(sim.demo.redirectUris[0])}&state=demo`,
    `  graph            ${sim.graphBaseUrl}`,
    `  control API      ${sim.authorityHost}/_sim/  (Authorization: Bearer ${sim.controlKey})`,
    `  CA certificate   ${sim.caCertPath}   (export NODE_EXTRA_CA_CERTS=${sim.caCertPath})`,
    '',
    `demo app  client id ${sim.demo.clientId}  secret ${sim.demo.clientSecret}`,
    ...sim.demo.tenants.map(
      (t) => `  tenant ${t.tenantId}  ${t.domain.padEnd(34)} ${t.displayName}${t.consented ? '' : '  (not consented)'}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const shutdown = (): void => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`entra-sim failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
