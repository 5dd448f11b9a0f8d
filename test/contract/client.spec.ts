import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A client generated from the document compiles: openapi-typescript turns the app's /api/docs-json into
 * types, and `client-program.ts` (every tag's main routes through openapi-fetch, live objects' metadata,
 * spec and status included) type-checks against them under strict. Its `@ts-expect-error` lines hold what
 * must NOT compile (e.g. `item.kind.toLowerCase()` on a list item, which carries no kind).
 */
const run = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(ROOT, 'node_modules/.bin');

async function tsc(dir: string, file: string): Promise<{ ok: boolean; output: string }> {
  const args = [
    '--noEmit',
    '--strict',
    '--noUncheckedIndexedAccess',
    '--target',
    'es2022',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--lib',
    'es2023,dom',
    '--types',
    'node',
    '--skipLibCheck',
    join(dir, file),
  ];
  try {
    const { stdout, stderr } = await run(join(BIN, 'tsc'), args, { cwd: dir });
    return { ok: true, output: stdout + stderr };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('a TypeScript client generated from the OpenAPI document', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'berth-client-'));
    // The program resolves openapi-fetch (and @types/node) from the project.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const doc = await t.api('GET', '/api/docs-json');
    expect(doc.status).toBe(200);
    writeFileSync(join(dir, 'openapi.json'), doc.text);
    await run(join(BIN, 'openapi-typescript'), [join(dir, 'openapi.json'), '-o', join(dir, 'berth-api.ts')], {
      cwd: dir,
    });
    copyFileSync(join(ROOT, 'test/contract/client-program.ts'), join(dir, 'client-program.ts'));
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    if (dir && !process.env.BERTH_KEEP_CLIENT) rmSync(dir, { recursive: true, force: true });
  });

  it('generates types that name the live objects’ fields', () => {
    const types = readFileSync(join(dir, 'berth-api.ts'), 'utf8');
    for (const name of [
      'ObjectMeta',
      'Pod',
      'Node',
      'Deployment',
      'StatefulSet',
      'Event',
      'ErrorEnvelopeDto',
    ])
      expect(types).toContain(`${name}: {`);
  });

  it('compiles the client program (strict) against the generated types', async () => {
    const result = await tsc(dir, 'client-program.ts');
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  }, 120_000);

  it('refuses what the document says cannot be: each @ts-expect-error line fails without its marker', async () => {
    const program = readFileSync(join(dir, 'client-program.ts'), 'utf8');
    const markers = program.split('\n').filter((l) => /^\s*\/\/ @ts-expect-error/.test(l)).length;
    expect(markers).toBeGreaterThanOrEqual(3);
    writeFileSync(join(dir, 'unchecked.ts'), program.replace(/^(\s*)\/\/ @ts-expect-error.*$/gm, '$1'));
    const result = await tsc(dir, 'unchecked.ts');
    expect(result.ok).toBe(false);
    const errors = result.output.split('\n').filter((l) => /error TS\d+/.test(l));
    expect(errors).toHaveLength(markers);
    // The list item's kind is possibly undefined: `item.kind.toLowerCase()` does not compile.
    expect(result.output).toMatch(/TS18048: '.*kind' is possibly 'undefined'/);
  }, 120_000);
});
