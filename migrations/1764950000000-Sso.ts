import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single sign-on: where a user comes from (`source` local | oidc | ldap, with the identity the connector
 * knows it by: issuer + subject for OIDC, server URL + DN for LDAP, unique per connector), and which SSO
 * groups map to a Berth group (`group_mappings`: connector + external group name or DN). Memberships that
 * a login derived from these mappings are `group_members.source = 'oidc' | 'ldap'` and are replaced at
 * every login through that connector; `local` memberships are the admins' own.
 */
export class Sso1764950000000 implements MigrationInterface {
  name = 'Sso1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE users ADD COLUMN source text NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'oidc', 'ldap'))`,
    );
    await q.query('ALTER TABLE users ADD COLUMN external_issuer text');
    await q.query('ALTER TABLE users ADD COLUMN external_subject text');
    await q.query(
      `ALTER TABLE users ADD CONSTRAINT users_external_identity_check CHECK ((source = 'local') = (external_subject IS NULL AND external_issuer IS NULL))`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "UQ_users_external_identity" ON users (source, external_issuer, external_subject) WHERE source <> 'local'`,
    );
    await q.query(
      `ALTER TABLE group_members ADD CONSTRAINT group_members_source_check CHECK (source IN ('local', 'oidc', 'ldap'))`,
    );
    await q.query(`
      CREATE TABLE group_mappings (
        id uuid PRIMARY KEY,
        group_id uuid NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        connector text NOT NULL CHECK (connector IN ('oidc', 'ldap')),
        external_group text NOT NULL CHECK (length(external_group) BETWEEN 1 AND 1024),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (group_id, connector, external_group)
      )`);
    await q.query(`CREATE INDEX "IDX_group_mappings_external" ON group_mappings (connector, external_group)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE group_mappings');
    await q.query(`DELETE FROM group_members WHERE source <> 'local'`);
    await q.query('ALTER TABLE group_members DROP CONSTRAINT group_members_source_check');
    await q.query(`DELETE FROM users WHERE source <> 'local'`);
    await q.query('DROP INDEX "UQ_users_external_identity"');
    await q.query('ALTER TABLE users DROP CONSTRAINT users_external_identity_check');
    await q.query('ALTER TABLE users DROP COLUMN external_subject');
    await q.query('ALTER TABLE users DROP COLUMN external_issuer');
    await q.query('ALTER TABLE users DROP COLUMN source');
  }
}
