import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When a vendor cluster's stored kubeconfig credential expires (Rancher token TTLs, ACK's `expiration`), and when it was last fetched. */
export class CredentialExpiry1765100000000 implements MigrationInterface {
  name = 'CredentialExpiry1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE clusters ADD COLUMN credential_expires_at timestamptz, ADD COLUMN credential_refreshed_at timestamptz`,
    );
    await q.query(
      `CREATE INDEX clusters_credential_expires_at ON clusters (credential_expires_at) WHERE credential_expires_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS clusters_credential_expires_at');
    await q.query(
      'ALTER TABLE clusters DROP COLUMN credential_expires_at, DROP COLUMN credential_refreshed_at',
    );
  }
}
