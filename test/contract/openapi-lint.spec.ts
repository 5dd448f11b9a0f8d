import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const run = promisify(execFile);

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location?: { pointer?: string }[];
}

/**
 * The app's own OpenAPI document passes `redocly lint` (recommended ruleset, see redocly.yaml) with no
 * error and no warning.
 */
describe('OpenAPI document lint (redocly recommended)', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'berth-openapi-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has 0 errors and 0 warnings', async () => {
    const doc = (await t.api('GET', '/api/docs-json')).body;
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 2));
    if (process.env.BERTH_DUMP_OPENAPI)
      writeFileSync(process.env.BERTH_DUMP_OPENAPI, JSON.stringify(doc, null, 2));
    const out = join(dir, 'lint.json');
    // redocly exits 1 when it finds errors; the JSON report is what the test reads.
    await run(
      'sh',
      ['-c', `node_modules/.bin/redocly lint --format=json "${file}" > "${out}" 2>/dev/null || true`],
      { cwd: process.cwd(), timeout: 120_000 },
    );
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      totals: { errors: number; warnings: number };
      problems: LintProblem[];
    };
    const problems = report.problems.map(
      (p) => `${p.severity} ${p.ruleId}: ${p.message} @ ${p.location?.[0]?.pointer ?? ''}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
