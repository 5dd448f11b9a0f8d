import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Machine and session credentials besides the login JWT:
 * - `api_tokens`: personal / service-account API tokens (`berth_pat_…`), stored as the SHA-256 of the
 *   secret, with an expiry, durable revocation and where they were last used. Their grants are rows of
 *   `grants` (subject_type 'token'); a trigger removes them with the token row (a deleted user's tokens
 *   go with it, ON DELETE CASCADE).
 * - `refresh_tokens`: rotating refresh tokens of login sessions, one family per login. Each use marks
 *   the row used and adds the next one; a used one presented again ends the whole family.
 */
export class ApiTokens1764900000000 implements MigrationInterface {
  name = 'ApiTokens1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name text NOT NULL,
        secret_hash bytea NOT NULL UNIQUE,
        hint text NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        rotated_at timestamptz,
        last_used_at timestamptz,
        last_used_ip text,
        known_ips text[] NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX "IDX_api_tokens_user_id" ON api_tokens (user_id)`);
    await q.query(`
      CREATE FUNCTION api_tokens_drop_grants() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM grants WHERE subject_type = 'token' AND subject_id = OLD.id;
        RETURN OLD;
      END $$`);
    await q.query(`
      CREATE TRIGGER api_tokens_drop_grants AFTER DELETE ON api_tokens
        FOR EACH ROW EXECUTE FUNCTION api_tokens_drop_grants()`);
    await q.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY,
        family_id uuid NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        secret_hash bytea NOT NULL UNIQUE,
        session_jti text NOT NULL,
        session_expires_at timestamptz NOT NULL,
        auth_time_ms bigint NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "IDX_refresh_tokens_family_id" ON refresh_tokens (family_id)`);
    await q.query(`CREATE INDEX "IDX_refresh_tokens_session_jti" ON refresh_tokens (session_jti)`);
    await q.query(`CREATE INDEX "IDX_refresh_tokens_expires_at" ON refresh_tokens (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE refresh_tokens');
    await q.query('DROP TABLE api_tokens');
    await q.query('DROP FUNCTION api_tokens_drop_grants');
    await q.query(`DELETE FROM grants WHERE subject_type = 'token'`);
  }
}
