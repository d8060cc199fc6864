/** Thrown once at start-up; `problems` holds one line per bad variable, ready to print. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}
