import { Injectable, mixin, type PipeTransform, type Type } from '@nestjs/common';
import { RequestValidationError } from './problems/request-validation.error';

interface IdParam {
  /** The route parameter, as the refusal names it. */
  readonly field: string;
  readonly isId: (value: unknown) => value is string;
  /** What the refusal says the parameter must be. */
  readonly mustBe: string;
  /** GUIDs compare in lower case; other ids are kept as sent. */
  readonly lowerCase?: boolean;
}

/**
 * The pipe for one kind of id in a route parameter: a malformed id is a 400 naming the
 * parameter, never a lookup that answers 404.
 */
export function IdParamPipe({ field, isId, mustBe, lowerCase = false }: IdParam): Type<PipeTransform<unknown, string>> {
  @Injectable()
  class IdPipe implements PipeTransform<unknown, string> {
    transform(value: unknown): string {
      if (!isId(value)) throw new RequestValidationError([{ field, problems: [`must be ${mustBe}`] }]);
      return lowerCase ? value.toLowerCase() : value;
    }
  }
  return mixin(IdPipe);
}
