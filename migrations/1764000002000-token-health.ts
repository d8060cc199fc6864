import { MigrationInterface, QueryRunner } from 'typeorm';

/** M1·3: per-tenant token health for operators (outcomes and times, never tokens). */
export class TokenHealth1764000002000 implements MigrationInterface {
  name = 'TokenHealth1764000002000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tenant_token_health" (
        "tenant_id" uuid PRIMARY KEY
          CONSTRAINT "tenant_token_health_tenant_id_fkey" REFERENCES "tenants" ("tenant_id") ON DELETE CASCADE,
        "last_success_at" timestamptz(3),
        "expires_on" timestamptz(3),
        "last_error_code" text,
        "last_error_at" timestamptz(3),
        "requests_total" bigint NOT NULL DEFAULT 0,
        "failures_total" bigint NOT NULL DEFAULT 0,
        "last_latency_ms" integer,
        "updated_at" timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tenant_token_health"`);
  }
}
