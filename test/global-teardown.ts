import { dropDatabase } from './helpers/db.js';
import stopTestbed from './testbed/global-teardown.js';

export default async function globalTeardown(): Promise<void> {
  if (process.env.BERTH_TEST_TEMPLATE) await dropDatabase(process.env.BERTH_TEST_TEMPLATE);
  await stopTestbed();
}
