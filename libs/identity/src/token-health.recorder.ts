import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { Repository } from 'typeorm';
import { assertTenantId } from '@tenantry/tenants';
import { TenantTokenHealth } from './tenant-token-health.entity';

export const TOKEN_REQUESTS_METRIC = 'tenantry_token_requests_total';
export const TOKEN_LATENCY_METRIC = 'tenantry_token_request_duration_seconds';

/**
 * Records each request to the identity platform: per tenant in the database (for the operator
 * API) and as metrics. Recording never fails a token acquisition.
 */
@Injectable()
export class TokenHealthRecorder {
  private readonly logger = new Logger(TokenHealthRecorder.name);

  constructor(
    @InjectRepository(TenantTokenHealth) private readonly health: Repository<TenantTokenHealth>,
    @InjectMetric(TOKEN_REQUESTS_METRIC) private readonly requests: Counter<string>,
    @InjectMetric(TOKEN_LATENCY_METRIC) private readonly latency: Histogram<string>,
  ) {}

  async recordSuccess(tenantId: string, expiresOn: Date, latencyMs: number): Promise<void> {
    this.requests.inc({ outcome: 'success' });
    this.latency.observe(latencyMs / 1000);
    await this.write(
      tenantId,
      `INSERT INTO tenant_token_health (tenant_id, last_success_at, expires_on, requests_total, failures_total, last_latency_ms, updated_at)
       VALUES ($1, now(), $2, 1, 0, $3, now())
       ON CONFLICT (tenant_id) DO UPDATE SET last_success_at = now(), expires_on = $2, last_latency_ms = $3,
         requests_total = tenant_token_health.requests_total + 1, updated_at = now()`,
      [expiresOn, Math.round(latencyMs)],
    );
  }

  async recordFailure(tenantId: string, code: string): Promise<void> {
    this.requests.inc({ outcome: code });
    await this.write(
      tenantId,
      `INSERT INTO tenant_token_health (tenant_id, last_error_code, last_error_at, requests_total, failures_total, updated_at)
       VALUES ($1, $2, now(), 1, 1, now())
       ON CONFLICT (tenant_id) DO UPDATE SET last_error_code = $2, last_error_at = now(),
         requests_total = tenant_token_health.requests_total + 1,
         failures_total = tenant_token_health.failures_total + 1, updated_at = now()`,
      [code],
    );
  }

  find(tenantId: string): Promise<TenantTokenHealth | null> {
    return this.health.findOneBy({ tenantId: assertTenantId(tenantId) });
  }

  private async write(tenantId: string, sql: string, parameters: unknown[]): Promise<void> {
    try {
      await this.health.query(sql, [assertTenantId(tenantId), ...parameters]);
    } catch (error) {
      this.logger.warn({ tenantId, err: error }, 'Could not record token health');
    }
  }
}
