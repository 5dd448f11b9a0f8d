import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CONTRACT_DIR_ENV } from './helpers/contract.js';
import { dropDatabase } from './helpers/db.js';
import stopTestbed from './testbed/global-teardown.js';

export default async function globalTeardown(): Promise<void> {
  if (process.env.BERTH_TEST_TEMPLATE) await dropDatabase(process.env.BERTH_TEST_TEMPLATE);
  await stopTestbed();
  contractSummary();
}

/** Sums the workers' counters: how many responses the run validated against the document. */
function contractSummary(): void {
  const dir = process.env[CONTRACT_DIR_ENV];
  if (!dir) return;
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return;
  }
  const total = { validated: 0, skipped: 0, violations: 0, failures: [] as string[] };
  for (const f of files) {
    const c = JSON.parse(readFileSync(join(dir, f), 'utf8')) as typeof total;
    total.validated += c.validated;
    total.skipped += c.skipped;
    total.violations += c.violations;
    total.failures.push(...c.failures);
  }
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `\nOpenAPI contract: ${total.validated} responses validated, ${total.violations} violations` +
      ` (${total.skipped} answers of undocumented routes skipped)\n` +
      total.failures.map((f) => `  ✗ ${f}\n`).join(''),
  );
}
