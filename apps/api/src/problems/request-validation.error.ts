import { ValidationError } from '@nestjs/common';
import { DomainError } from '@tenantry/errors';

export interface InvalidField {
  readonly field: string;
  readonly problems: string[];
}

/** A request whose parameters or body break the route's contract. */
export class RequestValidationError extends DomainError {
  readonly code = 'invalid_request';
  readonly kind = 'invalid';

  constructor(readonly errors: InvalidField[]) {
    // class-validator's messages already name their property.
    super(`The request is invalid: ${errors.flatMap((error) => error.problems).join('; ')}.`, { errors });
  }

  static fromValidationErrors(errors: ValidationError[], parent = ''): RequestValidationError {
    return new RequestValidationError(flatten(errors, parent));
  }
}

function flatten(errors: ValidationError[], parent: string): InvalidField[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, problems: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
