// Jest globalTeardown: stop the testbed only if this jest run started it (see global-setup.ts),
// and not when BERTH_TESTBED_KEEP=1.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, testbedDir, testbedScript } from './state.js';

const STARTED_ENV = 'BERTH_TESTBED_STARTED_BY_JEST';
const STARTED_MARKER = join(testbedDir, 'started-by-jest');

export default async function globalTeardown(): Promise<void> {
  if (process.env.BERTH_TESTBED === 'off') return;
  const marker = existsSync(STARTED_MARKER) ? readFileSync(STARTED_MARKER, 'utf8').trim() : '';
  const startedHere = process.env[STARTED_ENV] === '1' && marker === String(process.pid);
  if (!startedHere) return;
  if (process.env.BERTH_TESTBED_KEEP === '1') {
    rmSync(STARTED_MARKER, { force: true });
    process.stderr.write(
      '\ntestbed: BERTH_TESTBED_KEEP=1, leaving the clusters running (scripts/testbed down stops them)\n',
    );
    return;
  }
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(testbedScript, ['down'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`'scripts/testbed down' failed (exit ${code})`)),
    );
  });
}
