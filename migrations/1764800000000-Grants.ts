import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scoped access: groups of users, and grants that give a subject (user, group or API token) a role on a
 * scope (all clusters, a list of clusters or a cluster label selector; optionally a list of namespaces or
 * a namespace label selector). Every existing user keeps what its global role gave it, as preset grants
 * (`managed_by = 'role'`): viewer → view, operator → cluster-admin, admin → admin, each on every cluster.
 * Users get a `kind` (service accounts hold API tokens and cannot log in with a password).
 */
export class Grants1764800000000 implements MigrationInterface {
  name = 'Grants1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE users ADD COLUMN kind text NOT NULL DEFAULT 'human' CHECK (kind IN ('human', 'service'))`,
    );
    // 'none': a user whose access comes only from explicit grants (its own and its groups').
    await q.query('ALTER TABLE users DROP CONSTRAINT users_role_check');
    await q.query(
      `ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'operator', 'viewer', 'none'))`,
    );
    await q.query(`
      CREATE TABLE groups (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE group_members (
        group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        source text NOT NULL DEFAULT 'local',
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, user_id)
      )`);
    await q.query(`CREATE INDEX "IDX_group_members_user_id" ON group_members (user_id)`);
    await q.query(`
      CREATE TABLE grants (
        id uuid PRIMARY KEY,
        subject_type text NOT NULL CHECK (subject_type IN ('user', 'group', 'token')),
        subject_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('view', 'edit', 'exec', 'reveal-secrets', 'cluster-admin', 'admin')),
        cluster_ids uuid[],
        cluster_selector text,
        namespaces text[],
        namespace_selector text,
        managed_by text,
        description text,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (cluster_ids IS NULL OR cluster_selector IS NULL),
        CHECK (namespaces IS NULL OR namespace_selector IS NULL),
        CHECK (role <> 'admin' OR (cluster_ids IS NULL AND cluster_selector IS NULL AND namespaces IS NULL AND namespace_selector IS NULL))
      )`);
    await q.query(`CREATE INDEX "IDX_grants_subject" ON grants (subject_type, subject_id)`);
    await q.query(`
      INSERT INTO grants (id, subject_type, subject_id, role, managed_by, description)
      SELECT gen_random_uuid(), 'user', u.id,
             CASE u.role WHEN 'admin' THEN 'admin' WHEN 'operator' THEN 'cluster-admin' ELSE 'view' END,
             'role', 'From the user''s ' || u.role || ' role'
        FROM users u WHERE u.role IN ('admin', 'operator', 'viewer')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE grants');
    await q.query('DROP TABLE group_members');
    await q.query('DROP TABLE groups');
    await q.query('ALTER TABLE users DROP COLUMN kind');
    await q.query(`UPDATE users SET role = 'viewer' WHERE role = 'none'`);
    await q.query('ALTER TABLE users DROP CONSTRAINT users_role_check');
    await q.query(
      `ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'operator', 'viewer'))`,
    );
  }
}
