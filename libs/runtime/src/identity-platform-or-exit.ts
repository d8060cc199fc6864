import { type AppConfig, type IdentityPlatform, identityPlatformOf } from '@tenantry/config';

/**
 * For processes that do not embed the simulator (the API and the worker run apart): two
 * processes with a simulator each would not share consent, so simulator mode needs `npm start`,
 * or one `npm run sim` that both point at.
 */
export function identityPlatformOrExit(config: AppConfig): IdentityPlatform {
  if (config.azure.mode === 'entra') return identityPlatformOf(config);
  process.stderr.write(
    'tenantry: Invalid configuration:\n' +
      '  - AZURE_CLIENT_ID: not set. Only `npm start` (API and worker in one process) embeds the simulator; ' +
      'for separate processes set AZURE_CLIENT_ID and its credential, or run `npm run sim` and point both at it ' +
      '(see README, "Simulator mode").\n',
  );
  process.exit(78);
}
