import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiKeyService, CurrentOperator, type Operator } from '@tenantry/operator-auth';
import { Access } from '../access.decorator';
import { Audited } from '../audit/audited.decorator';
import { RequestValidationError } from '../problems/request-validation.error';
import { ApiKeyDto, CreateApiKeyBody, CreatedApiKeyDto } from './api-key.dto';
import { ApiKeyIdPipe } from './api-key-id.pipe';

@ApiTags('api-keys')
@ApiBadRequestResponse({ description: 'Invalid parameters or body (problem+json).' })
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeyService) {}

  @Post()
  @Access('admin')
  @Audited({ action: 'api_key.create', targetType: 'api_key', targetFromResult: 'id' })
  @ApiOperation({ summary: 'Create an API key; the response is the only time the key is shown.' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  async create(@Body() body: CreateApiKeyBody, @CurrentOperator() operator: Operator): Promise<CreatedApiKeyDto> {
    const expiresAt = body.expiresAt === undefined ? null : new Date(body.expiresAt);
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new RequestValidationError([{ field: 'expiresAt', problems: ['expiresAt must be in the future'] }]);
    }
    const { apiKey, key } = await this.apiKeys.create(body.name, body.role, operator.actor, expiresAt);
    return { ...ApiKeyDto.of(apiKey), key };
  }

  @Get()
  @Access('admin')
  @ApiOperation({ summary: 'List API keys (never the keys themselves).' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  async list(): Promise<ApiKeyDto[]> {
    return (await this.apiKeys.list()).map((apiKey) => ApiKeyDto.of(apiKey));
  }

  @Delete(':apiKeyId')
  @Access('admin')
  @Audited({ action: 'api_key.revoke', targetType: 'api_key', targetParam: 'apiKeyId' })
  @ApiOperation({ summary: 'Revoke an API key; it stops working at once.' })
  @ApiParam({ name: 'apiKeyId', description: 'The API key id (a UUID).', schema: { type: 'string', format: 'uuid' } })
  @ApiOkResponse({ type: ApiKeyDto })
  async revoke(@Param('apiKeyId', ApiKeyIdPipe) apiKeyId: string): Promise<ApiKeyDto> {
    return ApiKeyDto.of(await this.apiKeys.revoke(apiKeyId));
  }
}
