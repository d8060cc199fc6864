import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * M1·6: each tenant's directory snapshot (users, kept in step by the users delta sync) and
 * where its sync stands (delta link, the checkpoint of a round in progress, last outcome).
 */
export class DirectorySync1764000007000 implements MigrationInterface {
  name = 'DirectorySync1764000007000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "directory_users" (
        -- No foreign key to tenants: its check costs about a third of a row's write in a sync
        -- (measured), and only the sync writes here, for a tenant whose sync state row (which
        -- has the key) it holds. Offboarding purges both.
        "tenant_id" uuid NOT NULL,
        "object_id" uuid NOT NULL,
        "properties" jsonb NOT NULL,
        "user_principal_name" text NOT NULL,
        "display_name" text,
        "mail" text,
        "account_enabled" boolean,
        "deleted_at" timestamptz(3),
        "first_seen_at" timestamptz(3) NOT NULL,
        "last_seen_at" timestamptz(3) NOT NULL,
        "updated_at" timestamptz(3) NOT NULL,
        CONSTRAINT "directory_users_pkey" PRIMARY KEY ("tenant_id", "object_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "directory_users_listing_idx" ON "directory_users" ("tenant_id", "user_principal_name", "object_id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "directory_sync_states" (
        "tenant_id" uuid PRIMARY KEY
          CONSTRAINT "directory_sync_states_tenant_id_fkey" REFERENCES "tenants" ("tenant_id") ON DELETE CASCADE,
        "delta_link" text,
        "delta_select" text,
        "round_kind" text CONSTRAINT "directory_sync_states_round_kind_check" CHECK ("round_kind" IN ('full', 'incremental')),
        "round_link" text,
        "round_owner" uuid,
        "round_started_at" timestamptz(3),
        "round_pages" integer NOT NULL DEFAULT 0,
        "round_users" integer NOT NULL DEFAULT 0,
        "last_success_at" timestamptz(3),
        "last_full_sync_at" timestamptz(3),
        "last_error_code" text,
        "last_error_message" text,
        "last_error_at" timestamptz(3),
        "updated_at" timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "directory_sync_states"`);
    await queryRunner.query(`DROP TABLE "directory_users"`);
  }
}
