import type { MigrationInterface, QueryRunner } from 'typeorm';

export class NodePools1763810000000 implements MigrationInterface {
  name = 'NodePools1763810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE node_pools (
        id uuid PRIMARY KEY,
        cluster_id uuid NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        provider text NOT NULL,
        vendor_pool_id text,
        name text NOT NULL,
        status text NOT NULL CHECK (status IN ('provisioning', 'active', 'scaling', 'updating', 'deleting', 'failed')),
        desired_size int NOT NULL DEFAULT 0,
        total_nodes int NOT NULL DEFAULT 0,
        ready_nodes int NOT NULL DEFAULT 0,
        instance_types jsonb NOT NULL DEFAULT '[]',
        autoscaling jsonb,
        last_error text,
        synced_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (cluster_id, name)
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "IDX_node_pools_vendor" ON node_pools (cluster_id, vendor_pool_id) WHERE vendor_pool_id IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE nodes (
        id uuid PRIMARY KEY,
        cluster_id uuid NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,
        pool_id uuid REFERENCES node_pools(id) ON DELETE CASCADE,
        provider text NOT NULL,
        instance_id text NOT NULL,
        node_name text,
        ip text,
        state text NOT NULL,
        synced_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (cluster_id, instance_id)
      )`);
    await q.query(`CREATE INDEX "IDX_nodes_cluster_name" ON nodes (cluster_id, node_name)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE nodes');
    await q.query('DROP TABLE node_pools');
  }
}
