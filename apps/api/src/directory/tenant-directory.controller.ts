import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DirectorySnapshots } from '@tenantry/directory-sync';
import { TenantRegistry } from '@tenantry/tenants';
import { Access } from '../access.decorator';
import { TenantIdParam } from '../tenants/tenant-id.pipe';
import { DirectorySummaryDto, DirectoryUserPageDto } from './directory.dto';
import { ListDirectoryUsersQuery } from './list-directory-users.query';

@ApiTags('directory')
@ApiBadRequestResponse({ description: 'Invalid parameters (problem+json).' })
@ApiNotFoundResponse({ description: 'No such tenant (problem+json).' })
@Controller('api/v1/tenants/:tenantId/directory')
export class TenantDirectoryController {
  constructor(
    private readonly snapshots: DirectorySnapshots,
    private readonly tenants: TenantRegistry,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({
    summary: 'The tenant’s directory snapshot: how many users, and how its sync stands.',
    description:
      'Kept by the `directory.users-sync` job (every 6 hours, once on activation; enqueue one through ' +
      '`POST /api/v1/tenants/{tenantId}/jobs` to sync now, with `{"full": true}` to walk everything again).',
  })
  @ApiOkResponse({ type: DirectorySummaryDto })
  async summary(@TenantIdParam() tenantId: string): Promise<DirectorySummaryDto> {
    // An unknown tenant is a 404, not an empty directory.
    const tenant = await this.tenants.get(tenantId);
    return DirectorySummaryDto.of(await this.snapshots.summary(tenant.tenantId));
  }

  @Get('users')
  @Access('viewer')
  @ApiOperation({ summary: 'The tenant’s synced users by UPN (keyset-paginated, searchable).' })
  @ApiOkResponse({ type: DirectoryUserPageDto })
  async users(
    @TenantIdParam() tenantId: string,
    @Query() query: ListDirectoryUsersQuery,
  ): Promise<DirectoryUserPageDto> {
    const tenant = await this.tenants.get(tenantId);
    return DirectoryUserPageDto.of(await this.snapshots.listUsers(tenant.tenantId, query.toQuery()));
  }
}
