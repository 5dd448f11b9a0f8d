import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Berth as a browser sees it, in headless Chromium (Debian's `chromium`, installed by scripts/test when
 * missing): a portal on another origin calls the API with CORS, a portal on a foreign origin cannot, and
 * the Swagger page loads, authorizes and runs a request.
 */

const CHROMIUM = '/usr/bin/chromium';
// Without the background-networking flags Chromium's own connections (updates, sync) are refused here.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

interface Portal {
  server: Server;
  origin: string;
}

/** A second origin: a plain HTTP server on 127.0.0.1 serving one page whose script reports into the DOM. */
async function portal(page: () => string): Promise<Portal> {
  const server = createServer((req, res) => {
    if (req.url !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const html = (script: string) =>
  `<!doctype html><meta charset="utf-8"><title>portal</title><pre id="out">running</pre>
<script type="module">
const out = document.getElementById('out');
const report = (r) => { out.textContent = JSON.stringify(r); out.dataset.done = 'yes'; };
try { report(await (async () => { ${script} })()); } catch (e) { report({ error: e.name + ': ' + e.message }); }
</script>`;

/** Opens the page and returns what its script reported. */
async function run(ctx: BrowserContext, url: string): Promise<any> {
  const page = await ctx.newPage();
  try {
    await page.goto(url);
    const out = page.locator('#out[data-done="yes"]');
    await out.waitFor({ timeout: 10_000 });
    return JSON.parse((await out.textContent()) ?? 'null');
  } finally {
    await page.close();
  }
}

describe('Berth in a browser (headless Chromium)', () => {
  let t: TestApp;
  let allowed: Portal;
  let foreign: Portal;
  let ctx: BrowserContext;
  let profile: string;
  const requested: string[] = [];
  const missingCluster = randomUUID();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: run the tests with \`npm test\` (scripts/test installs it)`);
    // The pages are rendered per request: Berth's address is known once it listens, after the portals.
    const api = () => JSON.stringify(t.url);
    allowed = await portal(() =>
      html(`
        const api = ${api()};
        const login = await fetch(api + '/api/v1/auth/login', {
          method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password: ${JSON.stringify(ADMIN_PASSWORD)} }),
        });
        const auth = { authorization: 'Bearer ' + (await login.json()).data.access_token };
        const me = await fetch(api + '/api/v1/auth/me', {
          credentials: 'include', headers: { ...auth, 'x-request-id': 'portal-me-1' },
        });
        const meBody = await me.json();
        const del = await fetch(api + '/api/v1/clusters/${missingCluster}', {
          method: 'DELETE', credentials: 'include', headers: { ...auth, 'idempotency-key': 'portal-delete-1' },
        });
        const delBody = await del.json();
        const anonymous = await fetch(api + '/api/v1/clusters', { credentials: 'include' });
        return {
          login: login.status, me: me.status, username: meBody.data.username,
          request_id: me.headers.get('x-request-id'),
          delete: del.status, delete_code: delBody.code,
          delete_request_id_matches: del.headers.get('x-request-id') === delBody.request_id,
          anonymous: anonymous.status, anonymous_code: (await anonymous.json()).code,
        };`),
    );
    foreign = await portal(() =>
      html(`
        const api = ${api()};
        const results = {};
        for (const [name, call] of [
          ['login', () => fetch(api + '/api/v1/auth/login', {
            method: 'POST', headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: 'admin', password: ${JSON.stringify(ADMIN_PASSWORD)} }),
          })],
          ['healthz', () => fetch(api + '/healthz')],
        ]) {
          try { results[name] = 'answered ' + (await call()).status; } catch (e) { results[name] = e.name + ': ' + e.message; }
        }
        return results;`),
    );
    t = await startTestApp({ env: { BERTH_CORS_ORIGINS: allowed.origin } });
    profile = mkdtempSync(join(tmpdir(), 'berth-chromium-'));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
    });
    ctx.on('request', (r) => requested.push(r.url()));
  });

  afterAll(async () => {
    await ctx?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await new Promise((r) => allowed?.server.close(r));
    await new Promise((r) => foreign?.server.close(r));
    await t?.close();
  });

  it('lets a page on an allowed origin log in, call the API and read X-Request-Id and error envelopes', async () => {
    const r = await run(ctx, allowed.origin + '/');
    expect(r).toEqual({
      login: 200,
      me: 200,
      username: 'admin',
      request_id: 'portal-me-1',
      delete: 404,
      delete_code: 40400,
      delete_request_id_matches: true,
      anonymous: 401,
      anonymous_code: 40100,
    });
  });

  it('keeps a page on an origin that is not allowed from calling Berth', async () => {
    const logins = () =>
      t.sql.query<{ n: string }>("SELECT count(*) AS n FROM audit_logs WHERE path = '/api/v1/auth/login'");
    await t.login();
    const before = (await logins()).rows[0].n;
    expect(Number(before)).toBeGreaterThan(0); // logins are audited: a login that got through would count
    const r = await run(ctx, foreign.origin + '/');
    // The preflight got no grant, so the login was never sent; the simple GET was, but its answer is hidden.
    expect(r).toEqual({ login: 'TypeError: Failed to fetch', healthz: 'TypeError: Failed to fetch' });
    expect((await logins()).rows[0].n).toBe(before);
  });

  it('serves the Swagger page at / that authorizes with a token and runs GET /api/v1/auth/me', async () => {
    const token = await t.login();
    const page: Page = await ctx.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    page.on('pageerror', (e) => failed.push(`page error: ${e.message}`));
    try {
      await page.goto(t.url + '/');
      expect(page.url()).toBe(`${t.url}/api/docs`);
      await page.locator('.swagger-ui .info .title').waitFor();
      expect(await page.locator('.swagger-ui .info .title').textContent()).toContain('Berth API');

      await page.locator('.swagger-ui .auth-wrapper button.authorize').click();
      const dialog = page.locator('.dialog-ux .modal-ux');
      await dialog.locator('.auth-container input').fill(token);
      await dialog.locator('.auth-btn-wrapper button.authorize').click();
      await dialog.locator('.auth-container', { hasText: 'Authorized' }).waitFor();
      await dialog.locator('.auth-btn-wrapper button.btn-done').click();
      await dialog.waitFor({ state: 'detached' });

      const op = page.locator('.opblock.opblock-get', { has: page.locator('[data-path="/api/v1/auth/me"]') });
      await op.locator('.opblock-summary').click();
      await op.locator('button.try-out__btn').click();
      await op.locator('button.execute').click();
      const live = op.locator('.live-responses-table .response');
      await live.first().waitFor({ timeout: 10_000 });
      expect((await live.locator('.response-col_status').first().textContent())?.trim()).toBe('200');
      const body = (await live.locator('.response-col_description .microlight').first().textContent()) ?? '';
      expect(JSON.parse(body)).toMatchObject({ code: 0, data: { username: 'admin', role: 'admin' } });
      // The page and its assets came from Berth itself (node_modules), nothing from the internet.
      const foreignHosts = requested.filter(
        (u) => !u.startsWith('http://127.0.0.1:') && !u.startsWith('data:'),
      );
      expect(foreignHosts).toEqual([]);
      expect(failed).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
