import { MigrationInterface, QueryRunner } from 'typeorm';

/** M1·4: admin-consent onboarding links; the state is kept only as a hash. */
export class OnboardingLinks1764000003000 implements MigrationInterface {
  name = 'OnboardingLinks1764000003000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "onboarding_links" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "state_hash" text NOT NULL CONSTRAINT "onboarding_links_state_hash_key" UNIQUE,
        "tenant_hint" uuid,
        "return_url" text,
        "created_by" text NOT NULL,
        "created_at" timestamptz(3) NOT NULL DEFAULT now(),
        "expires_at" timestamptz(3) NOT NULL,
        "used_at" timestamptz(3),
        "used_by_tenant" uuid,
        "revoked_at" timestamptz(3)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "onboarding_links"`);
  }
}
