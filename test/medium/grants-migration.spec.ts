import { afterAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { Grants1764800000000 } from '../../migrations/1764800000000-Grants.js';
import { databaseUrl, dropDatabase, withAdmin } from '../helpers/db.js';

/**
 * Upgrading to grants keeps what every user had: the migration turns each global role into its preset
 * grant (viewer → view, operator → cluster-admin, admin → admin, on every cluster), and nothing else.
 */
describe('grants migration (medium: real Postgres)', () => {
  const name = `berth_migration_${randomBytes(5).toString('hex')}`;
  afterAll(() => dropDatabase(name));

  const run = async (migrations: unknown[]) => {
    const ds = new DataSource({
      type: 'postgres',
      url: databaseUrl(name),
      migrations: migrations as never,
      migrationsTableName: 'migrations',
    });
    await ds.initialize();
    try {
      await ds.runMigrations({ transaction: 'each' });
    } finally {
      await ds.destroy();
    }
  };

  it('gives each existing user its role as a preset grant on every cluster', async () => {
    await withAdmin((c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
    const at = MIGRATIONS.indexOf(Grants1764800000000);
    expect(at).toBeGreaterThan(0);
    await run(MIGRATIONS.slice(0, at));
    const db = new pg.Client({ connectionString: databaseUrl(name) });
    await db.connect();
    try {
      const users = { admin: randomUUID(), operator: randomUUID(), viewer: randomUUID() };
      for (const [role, id] of Object.entries(users))
        await db.query(`INSERT INTO users (id, username, password_hash, role) VALUES ($1, $2, 'x', $3)`, [
          id,
          `u-${role}`,
          role,
        ]);
      await run(MIGRATIONS);
      const { rows } = await db.query(
        `SELECT subject_type, subject_id, role, cluster_ids, cluster_selector, namespaces, namespace_selector, managed_by
           FROM grants ORDER BY role`,
      );
      expect(rows).toEqual(
        [
          [users.admin, 'admin'],
          [users.operator, 'cluster-admin'],
          [users.viewer, 'view'],
        ].map(([id, role]) => ({
          subject_type: 'user',
          subject_id: id,
          role,
          cluster_ids: null,
          cluster_selector: null,
          namespaces: null,
          namespace_selector: null,
          managed_by: 'role',
        })),
      );
      // The schema refuses a scoped admin grant and a scope given twice.
      await expect(
        db.query(
          `INSERT INTO grants (id, subject_type, subject_id, role, namespaces) VALUES ($1, 'user', $2, 'admin', '{a}')`,
          [randomUUID(), users.viewer],
        ),
      ).rejects.toThrow(/check constraint/);
      await expect(
        db.query(
          `INSERT INTO grants (id, subject_type, subject_id, role, cluster_ids, cluster_selector) VALUES ($1, 'user', $2, 'view', $3, 'a=b')`,
          [randomUUID(), users.viewer, [randomUUID()]],
        ),
      ).rejects.toThrow(/check constraint/);
    } finally {
      await db.end();
    }
  });
});
