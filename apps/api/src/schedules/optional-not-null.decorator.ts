import { ValidateIf } from 'class-validator';

/**
 * The property may be left out, but not sent as null: unlike `@IsOptional()`, a null goes through
 * the property's validators (and fails them). For bodies where null would mean nothing sensible
 * (`"enabled": null` in a patch) and must not reach the database.
 */
export const OptionalNotNull = (): PropertyDecorator =>
  ValidateIf((_body: object, value: unknown) => value !== undefined);
