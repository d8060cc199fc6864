import { isUUID } from 'class-validator';
import { IdParamPipe } from '../id-param.pipe';

/** Route parameter `apiKeyId`: an API key's id (a UUID), normalised to lower case. */
export const ApiKeyIdPipe = IdParamPipe({
  field: 'apiKeyId',
  isId: (value): value is string => typeof value === 'string' && isUUID(value),
  mustBe: 'an API key id (a UUID)',
  lowerCase: true,
});
