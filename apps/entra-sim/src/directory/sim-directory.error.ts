/** A control operation named something that is not in the directory, or a malformed seed. */
export class SimDirectoryError extends Error {
  constructor(
    readonly code: 'not_found' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'SimDirectoryError';
  }
}
