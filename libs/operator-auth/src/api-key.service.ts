import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { ApiKey } from './api-key.entity';
import { ApiKeyNotFoundError } from './api-key.errors';
import type { Operator } from './operator';
import type { OperatorRole } from './operator-role';

const KEY_PREFIX = 'tnty_';
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 8;
// Writing last-used on every request would turn each read into a write; a minute is plenty to
// tell a live key from a dead one.
const LAST_USED_RESOLUTION_MS = 60_000;

export interface CreatedApiKey {
  readonly apiKey: ApiKey;
  /** The key itself. It exists only in this return value: show it once, never store it. */
  readonly key: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const hashOf = (key: string): string => createHash('sha256').update(key).digest('hex');

@Injectable()
export class ApiKeyService {
  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  async create(
    name: string,
    role: OperatorRole,
    createdBy: string,
    expiresAt: Date | null = null,
  ): Promise<CreatedApiKey> {
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const { id } = await this.keys.save(
      this.keys.create({
        name,
        role,
        prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
        secretHash: hashOf(key),
        createdBy,
        expiresAt,
      }),
    );
    // Read back so the returned entity is the stored one, without the hash (select: false).
    return { apiKey: await this.keys.findOneByOrFail({ id }), key };
  }

  /** The operator a presented key stands for, or null for an unknown, revoked or expired key. */
  async authenticate(key: string): Promise<Operator | null> {
    if (!key.startsWith(KEY_PREFIX) || key.length > 128) return null;
    const apiKey = await this.keys.findOneBy({ secretHash: hashOf(key), revokedAt: IsNull() });
    const now = new Date();
    if (!apiKey || (apiKey.expiresAt !== null && apiKey.expiresAt <= now)) return null;
    if (apiKey.lastUsedAt === null || now.getTime() - apiKey.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.keys.update({ id: apiKey.id }, { lastUsedAt: now });
    }
    return { apiKeyId: apiKey.id, name: apiKey.name, role: apiKey.role, actor: `api-key:${apiKey.id}` };
  }

  list(): Promise<ApiKey[]> {
    return this.keys.find({ order: { createdAt: 'DESC' } });
  }

  async revoke(id: string): Promise<ApiKey> {
    const apiKey = UUID.test(id) ? await this.keys.findOneBy({ id }) : null;
    if (!apiKey) throw new ApiKeyNotFoundError(id);
    if (apiKey.revokedAt === null) {
      apiKey.revokedAt = new Date();
      await this.keys.update({ id }, { revokedAt: apiKey.revokedAt });
    }
    return apiKey;
  }
}
