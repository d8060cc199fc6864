import { AppConfig, ConfigValidationError, loadConfig } from '@tenantry/config';

/** Entry points start here: a bad environment ends the process with one line per variable. */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    process.stderr.write(`tenantry: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}
