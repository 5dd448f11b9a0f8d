import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Audit rows written by code rather than by a route (exec / attach / port-forward sessions) carry details: pod, container, command, start, end, bytes. */
export class AuditDetails1765200000000 implements MigrationInterface {
  name = 'AuditDetails1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_logs ADD COLUMN details jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE audit_logs DROP COLUMN details');
  }
}
