import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { cloneTemplate, databaseUrl, dropDatabase } from './db.js';

/**
 * The medium tier: real services against the real Postgres (a clone of the run's migrated template,
 * like the e2e tests), without HTTP. A spec builds a Nest testing module or an application context
 * from `config` and calls services directly.
 */
export interface MediumDb {
  name: string;
  url: string;
  config: AppConfig;
  drop(): Promise<void>;
}

export async function mediumDb(env: Record<string, string> = {}): Promise<MediumDb> {
  const template = process.env.BERTH_TEST_TEMPLATE;
  if (!template) throw new Error('BERTH_TEST_TEMPLATE is not set: run the tests with `npm test`');
  const name = `berth_medium_${randomBytes(5).toString('hex')}`;
  await cloneTemplate(name, template);
  const url = databaseUrl(name);
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: url,
    BERTH_RUN_MIGRATIONS: 'false',
    BERTH_WORKERS: 'false',
    BERTH_REDIS_PREFIX: `berth-medium:${randomBytes(4).toString('hex')}:`,
    LOG_LEVEL: 'error',
    ...env,
  });
  return { name, url, config, drop: () => dropDatabase(name) };
}
