// Jest globalSetup: make sure the multi-cluster testbed is running before the tests.
//  - BERTH_TESTBED=off: do nothing (tests that need the testbed fail via loadTestbed()).
//  - .testbed/state.json present and every cluster answers /version: reuse it, never tear it down.
//  - otherwise: `scripts/testbed up --clusters ${BERTH_TESTBED_CLUSTERS:-3} --nodes ${BERTH_TESTBED_NODES:-3}`
//    and remember (env var + marker file) that this run started it, so global-teardown stops it.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  clusterAnswers,
  loadTestbed,
  repoRoot,
  testbedDir,
  testbedScript,
  type TestbedCluster,
} from './state.js';

export const STARTED_ENV = 'BERTH_TESTBED_STARTED_BY_JEST';
export const STARTED_MARKER = join(testbedDir, 'started-by-jest');

function runTestbed(args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // stdout/stderr go to jest's terminal; the cluster processes themselves log to files.
    const child = spawn(testbedScript, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (e) => reject(new Error(`cannot run ${testbedScript}: ${e.message}`)));
    child.on('close', (code, signal) =>
      code === 0
        ? resolvePromise()
        : reject(
            new Error(
              `'scripts/testbed ${args.join(' ')}' failed (${signal ?? `exit ${code}`}); see the messages above`,
            ),
          ),
    );
  });
}

export default async function globalSetup(): Promise<void> {
  if (process.env.BERTH_TESTBED === 'off') return;
  const clusters = process.env.BERTH_TESTBED_CLUSTERS ?? '3';
  const nodes = process.env.BERTH_TESTBED_NODES ?? '3';

  let existing: TestbedCluster[] = [];
  try {
    existing = loadTestbed();
  } catch {
    existing = [];
  }
  const answering = await Promise.all(existing.map((c) => clusterAnswers(c)));
  if (existing.length >= Number(clusters) && answering.every(Boolean)) {
    process.stderr.write(
      `\ntestbed: reusing ${existing.length} running cluster(s) (${existing.map((c) => c.name).join(', ')})\n`,
    );
    return;
  }
  // something answered before we started: the testbed belongs to someone else, only complete it
  const startedHere = !answering.some(Boolean);
  process.stderr.write(`\ntestbed: scripts/testbed up --clusters ${clusters} --nodes ${nodes}\n`);
  await runTestbed(['up', '--clusters', clusters, '--nodes', nodes]);
  if (startedHere) {
    process.env[STARTED_ENV] = '1';
    mkdirSync(testbedDir, { recursive: true });
    writeFileSync(STARTED_MARKER, `${process.pid}\n`);
  }
}
