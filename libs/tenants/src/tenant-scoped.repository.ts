import { Inject, Provider } from '@nestjs/common';
import {
  DataSource,
  DeepPartial,
  EntityManager,
  EntityTarget,
  FindManyOptions,
  FindOptionsWhere,
  ObjectLiteral,
  Repository,
} from 'typeorm';
import { assertTenantId } from './tenant-id';

export interface TenantOwned extends ObjectLiteral {
  tenantId: string;
}

type ScopedWhere<T extends TenantOwned> = Omit<FindOptionsWhere<T>, 'tenantId'>;
type ScopedFindOptions<T extends TenantOwned> = Omit<FindManyOptions<T>, 'where'> & { where?: ScopedWhere<T> };

/**
 * The only way to read or write tenant-owned rows. Every method takes the tenant id first and
 * refuses an empty or malformed one, because TypeORM silently drops `undefined` from a `where`
 * and would turn a forgotten id into a query over every tenant.
 */
export class TenantScopedRepository<T extends TenantOwned> {
  constructor(private readonly repository: Repository<T>) {}

  /** The same scoping inside a transaction. */
  withManager(manager: EntityManager): TenantScopedRepository<T> {
    return new TenantScopedRepository(manager.getRepository<T>(this.repository.target));
  }

  async find(tenantId: string, options: ScopedFindOptions<T> = {}): Promise<T[]> {
    return this.repository.find({ ...options, where: this.scope(tenantId, options.where) } as FindManyOptions<T>);
  }

  async findOne(tenantId: string, where?: ScopedWhere<T>): Promise<T | null> {
    return this.repository.findOne({ where: this.scope(tenantId, where) });
  }

  async count(tenantId: string, where?: ScopedWhere<T>): Promise<number> {
    return this.repository.count({ where: this.scope(tenantId, where) });
  }

  /**
   * Inserts (never updates) one row for the tenant. Relation and generated primary-key values
   * are dropped, so a caller cannot reach another tenant's row through them.
   */
  async insert(tenantId: string, values: Omit<DeepPartial<T>, 'tenantId'>): Promise<void> {
    const row: Record<string, unknown> = { ...(values as Record<string, unknown>) };
    const metadata = this.repository.metadata;
    for (const relation of metadata.relations) delete row[relation.propertyName];
    for (const column of metadata.primaryColumns) if (column.isGenerated) delete row[column.propertyName];
    row.tenantId = assertTenantId(tenantId);
    await this.repository.insert(row as never);
  }

  async delete(tenantId: string, where?: ScopedWhere<T>): Promise<number> {
    const result = await this.repository.delete(this.scope(tenantId, where));
    return result.affected ?? 0;
  }

  private scope(tenantId: string, where?: ScopedWhere<T>): FindOptionsWhere<T> {
    return { ...where, tenantId: assertTenantId(tenantId) } as FindOptionsWhere<T>;
  }
}

const tokens = new Map<EntityTarget<ObjectLiteral>, symbol>();

function tokenFor(entity: EntityTarget<ObjectLiteral>): symbol {
  let token = tokens.get(entity);
  if (!token) {
    token = Symbol(`TenantScopedRepository<${typeof entity === 'function' ? entity.name : String(entity)}>`);
    tokens.set(entity, token);
  }
  return token;
}

/** Registers a scoped repository for an entity (the entity must also be in `TypeOrmModule.forFeature`). */
export function provideTenantScopedRepository<T extends TenantOwned>(entity: EntityTarget<T>): Provider {
  return {
    provide: tokenFor(entity),
    inject: [DataSource],
    useFactory: (dataSource: DataSource) => new TenantScopedRepository<T>(dataSource.getRepository(entity)),
  };
}

export const InjectTenantScopedRepository = (entity: EntityTarget<ObjectLiteral>): ParameterDecorator =>
  Inject(tokenFor(entity));
