import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Revocation that survives a Redis restart: a per-user `tokens_valid_after` (every token authenticated
 * at or before it is refused) and the logged-out tokens (`revoked_tokens`, kept until they expire).
 * Existing users get the migration time (new users get 'epoch'): tokens issued before the upgrade (whose revocations lived only
 * in Redis) are refused once, so the upgrade can only make Berth stricter.
 */
export class DurableRevocation1764600000000 implements MigrationInterface {
  name = 'DurableRevocation1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN tokens_valid_after timestamptz NOT NULL DEFAULT now()`);
    // New users have no earlier tokens; 'epoch' keeps a database clock ahead of Berth's from refusing their first one.
    await q.query(`ALTER TABLE users ALTER COLUMN tokens_valid_after SET DEFAULT 'epoch'`);
    await q.query(`
      CREATE TABLE revoked_tokens (
        jti text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "IDX_revoked_tokens_expires_at" ON revoked_tokens (expires_at)`);
    await q.query(`CREATE INDEX "IDX_revoked_tokens_user_id" ON revoked_tokens (user_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE revoked_tokens');
    await q.query('ALTER TABLE users DROP COLUMN tokens_valid_after');
  }
}
