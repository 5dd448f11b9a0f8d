import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Clusters1763790000000 implements MigrationInterface {
  name = 'Clusters1763790000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE clusters (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        display_name text,
        description text,
        provider text NOT NULL CHECK (provider IN ('imported', 'ack', 'tke', 'rancher')),
        status text NOT NULL CHECK (status IN ('active', 'unavailable', 'provisioning', 'failed', 'deleting')),
        labels jsonb NOT NULL DEFAULT '{}',
        city text,
        district text,
        server text,
        access_sealed text,
        access_version int NOT NULL DEFAULT 1,
        auth_type text,
        version text,
        node_count int,
        ready_node_count int,
        latency_ms int,
        last_probed_at timestamptz,
        last_error text,
        credential_id uuid REFERENCES credentials(id) ON DELETE RESTRICT,
        region text,
        vendor_cluster_id text,
        vendor_spec jsonb,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "IDX_clusters_provider" ON clusters (provider)`);
    await q.query(`CREATE INDEX "IDX_clusters_status" ON clusters (status)`);
    await q.query(`CREATE INDEX "IDX_clusters_labels" ON clusters USING gin (labels)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE clusters');
  }
}
