import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations/index.js';
import { CONTRACT_DIR_ENV, newContractDir } from './helpers/contract.js';
import { dropDatabase, databaseUrl, withAdmin } from './helpers/db.js';
import startTestbed from './testbed/global-setup.js';

/**
 * Once per run: migrate a template database that every test app clones (fast, isolated), and start or
 * reuse the testbed's Kubernetes clusters.
 */
export default async function globalSetup(): Promise<void> {
  const template = `berth_tpl_${process.pid}`;
  process.env.BERTH_TEST_TEMPLATE = template;
  // Where each worker counts the responses it validated against the OpenAPI document.
  process.env[CONTRACT_DIR_ENV] = newContractDir();
  await withAdmin(async (c) => {
    // Templates of earlier runs whose process is gone.
    const { rows } = await c.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'berth_tpl_%'",
    );
    for (const { datname } of rows) {
      const pid = Number(datname.slice('berth_tpl_'.length));
      let alive = false;
      try {
        process.kill(pid, 0);
        alive = pid !== process.pid;
      } catch {
        alive = false;
      }
      if (!alive) await dropDatabase(datname);
    }
    await c.query(`CREATE DATABASE ${template}`);
  });
  const ds = new DataSource({
    type: 'postgres',
    url: databaseUrl(template),
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
  });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
  await startTestbed();
}
