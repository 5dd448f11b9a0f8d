import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Init1763780000000 implements MigrationInterface {
  name = 'Init1763780000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        username text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
        disabled boolean NOT NULL DEFAULT false,
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE credentials (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE,
        provider text NOT NULL CHECK (provider IN ('rancher', 'ack', 'tke', 'harbor')),
        description text,
        settings jsonb NOT NULL DEFAULT '{}',
        secret_sealed text NOT NULL,
        secret_hints jsonb NOT NULL DEFAULT '{}',
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "IDX_credentials_provider" ON credentials (provider)`);
    await q.query(`
      CREATE TABLE operations (
        id uuid PRIMARY KEY,
        type text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
        progress int NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
        message text,
        payload jsonb NOT NULL DEFAULT '{}',
        checkpoint jsonb NOT NULL DEFAULT '{}',
        result jsonb,
        error jsonb,
        idempotency_key text,
        request_hash text NOT NULL,
        created_by uuid,
        attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX "IDX_operations_target" ON operations (target_type, target_id)`);
    await q.query(`CREATE INDEX "IDX_operations_status" ON operations (status)`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_operations_idempotency" ON operations (created_by, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE audit_logs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        actor_id uuid,
        actor_name text NOT NULL,
        action text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        target_type text,
        target_id text,
        outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
        status_code int NOT NULL,
        error_code int,
        request_id text NOT NULL,
        ip text
      )`);
    await q.query(`CREATE INDEX "IDX_audit_logs_occurred_at" ON audit_logs (occurred_at)`);
    await q.query(`CREATE INDEX "IDX_audit_logs_target" ON audit_logs (target_type, target_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE audit_logs');
    await q.query('DROP TABLE operations');
    await q.query('DROP TABLE credentials');
    await q.query('DROP TABLE users');
  }
}
