import { MigrationInterface, QueryRunner } from 'typeorm';

/** M1·1: the tenant registry and its lifecycle events, operator API keys and the audit log. */
export class Foundation1764000000000 implements MigrationInterface {
  name = 'Foundation1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tenants" (
        "tenant_id" uuid PRIMARY KEY,
        "display_name" text,
        "primary_domain" text,
        "status" text NOT NULL
          CONSTRAINT "tenants_status_check" CHECK ("status" IN ('pending', 'active', 'needs_attention', 'paused', 'offboarded')),
        "attention_reason" text,
        "consented_at" timestamptz,
        "granted_roles" text[] NOT NULL DEFAULT '{}',
        "verified_at" timestamptz,
        "tier" text NOT NULL DEFAULT 'standard',
        "max_concurrency" integer CONSTRAINT "tenants_max_concurrency_check" CHECK ("max_concurrency" > 0),
        "max_queued_jobs" integer CONSTRAINT "tenants_max_queued_jobs_check" CHECK ("max_queued_jobs" > 0),
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now(),
        "version" integer NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "tenants_created_at_tenant_id_idx" ON "tenants" ("created_at" DESC, "tenant_id" DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX "tenants_status_created_at_idx" ON "tenants" ("status", "created_at" DESC, "tenant_id" DESC)`,
    );

    await queryRunner.query(`
      CREATE TABLE "tenant_events" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "tenant_id" uuid NOT NULL REFERENCES "tenants" ("tenant_id") ON DELETE CASCADE,
        "from_status" text,
        "to_status" text NOT NULL,
        "reason" text NOT NULL,
        "actor" text NOT NULL,
        "details" jsonb,
        "occurred_at" timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX "tenant_events_tenant_id_occurred_at_idx" ON "tenant_events" ("tenant_id", "occurred_at")`,
    );

    await queryRunner.query(`
      CREATE TABLE "api_keys" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "name" text NOT NULL,
        "role" text NOT NULL CONSTRAINT "api_keys_role_check" CHECK ("role" IN ('viewer', 'operator', 'admin')),
        "prefix" text NOT NULL,
        "secret_hash" text NOT NULL CONSTRAINT "api_keys_secret_hash_key" UNIQUE,
        "created_by" text NOT NULL,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "last_used_at" timestamptz(3),
        "expires_at" timestamptz(3),
        "revoked_at" timestamptz(3)
      )`);

    await queryRunner.query(`
      CREATE TABLE "audit_events" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "occurred_at" timestamptz(3) NOT NULL DEFAULT now(),
        "actor" text NOT NULL,
        "action" text NOT NULL,
        "outcome" text NOT NULL CONSTRAINT "audit_events_outcome_check" CHECK ("outcome" IN ('success', 'failure')),
        "target_type" text,
        "target_id" text,
        "tenant_id" uuid,
        "request_id" text,
        "details" jsonb
      )`);
    await queryRunner.query(`CREATE INDEX "audit_events_occurred_at_id_idx" ON "audit_events" ("occurred_at", "id")`);
    await queryRunner.query(
      `CREATE INDEX "audit_events_tenant_id_occurred_at_idx" ON "audit_events" ("tenant_id", "occurred_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_events"`);
    await queryRunner.query(`DROP TABLE "api_keys"`);
    await queryRunner.query(`DROP TABLE "tenant_events"`);
    await queryRunner.query(`DROP TABLE "tenants"`);
  }
}
