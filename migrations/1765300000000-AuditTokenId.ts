import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Audit rows name the API token a request acted with (null for a login session or no caller). */
export class AuditTokenId1765300000000 implements MigrationInterface {
  name = 'AuditTokenId1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE audit_logs ADD COLUMN token_id uuid');
    await q.query(
      'CREATE INDEX "IDX_audit_logs_token_id" ON audit_logs (token_id) WHERE token_id IS NOT NULL',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE audit_logs DROP COLUMN token_id');
  }
}
