import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Registries1763800000000 implements MigrationInterface {
  name = 'Registries1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registries (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        provider text NOT NULL CHECK (provider IN ('harbor')),
        endpoint text NOT NULL,
        credential_id uuid NOT NULL REFERENCES credentials(id) ON DELETE RESTRICT,
        description text,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "IDX_registries_provider" ON registries (provider)`);
    await q.query(`CREATE INDEX "IDX_registries_credential" ON registries (credential_id)`);
    await q.query(`
      CREATE TABLE image_pull_secrets (
        id uuid PRIMARY KEY,
        cluster_id uuid NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        namespace text NOT NULL,
        secret_name text NOT NULL,
        registry_id uuid NOT NULL REFERENCES registries(id) ON DELETE RESTRICT,
        project text NOT NULL,
        robot_id text NOT NULL,
        robot_name text NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "IDX_image_pull_secrets_target" ON image_pull_secrets (cluster_id, namespace, secret_name)`,
    );
    await q.query(`CREATE INDEX "IDX_image_pull_secrets_registry" ON image_pull_secrets (registry_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE image_pull_secrets');
    await q.query('DROP TABLE registries');
  }
}
