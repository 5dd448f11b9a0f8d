import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { CORS_MAX_AGE_SECONDS } from '../../src/common/cors.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const ADMIN_UI = 'https://admin.example.com';
const DEV_UI = 'http://127.0.0.1:5173';
const EVIL = 'https://evil.example';

/** Raw fetch: preflights and foreign origins are not documented API calls. */
async function call(t: TestApp, method: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(t.url + path, { method, headers, redirect: 'manual' });
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    /* empty or not JSON */
  }
  return { status: res.status, headers: res.headers, text, body };
}

const preflight = (t: TestApp, path: string, origin: string, method: string, requested: string) =>
  call(t, 'OPTIONS', path, {
    origin,
    'access-control-request-method': method,
    'access-control-request-headers': requested,
  });

const corsHeaders = (h: Headers) => [...h.keys()].filter((k) => k.startsWith('access-control-'));
const vary = (h: Headers) => (h.get('vary') ?? '').split(',').map((v) => v.trim().toLowerCase());

describe('CORS (e2e)', () => {
  describe('with BERTH_CORS_ORIGINS set', () => {
    let t: TestApp;
    let token: string;
    beforeAll(async () => {
      t = await startTestApp({ env: { BERTH_CORS_ORIGINS: `${ADMIN_UI},${DEV_UI}` } });
      token = await t.login();
    });
    afterAll(() => t.close());

    it('grants an allowed origin, with credentials and the exposed X-Request-Id and Retry-After', async () => {
      const res = await call(t, 'GET', '/api/v1/auth/me', {
        origin: DEV_UI,
        authorization: `Bearer ${token}`,
      });
      expect(res.status).toBe(200);
      expect(res.body.data.username).toBe('admin');
      expect(res.headers.get('access-control-allow-origin')).toBe(DEV_UI);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('access-control-expose-headers')).toBe('X-Request-Id, Retry-After');
      expect(vary(res.headers)).toContain('origin');
      expect(res.headers.get('x-request-id')).toEqual(expect.any(String));
      // Error answers carry the grant too, so a browser page can read their envelope.
      const denied = await call(t, 'GET', '/api/v1/clusters', { origin: ADMIN_UI });
      expect(denied.status).toBe(401);
      expect(denied.body.code).toBe(40100);
      expect(denied.headers.get('access-control-allow-origin')).toBe(ADMIN_UI);
      expect(denied.headers.get('access-control-allow-credentials')).toBe('true');
    });

    it('answers the preflight of a parameterised route and of login with 204, before auth and body parsing', async () => {
      const cases: [string, string, string][] = [
        [`/api/v1/clusters/${randomUUID()}`, 'DELETE', 'authorization, idempotency-key, x-request-id'],
        [`/api/v1/clusters/${randomUUID()}`, 'PATCH', 'authorization, content-type'],
        ['/api/v1/auth/login', 'POST', 'content-type'],
        ['/api/v1/no/such/route', 'GET', 'authorization'],
      ];
      for (const [path, method, requested] of cases) {
        const res = await preflight(t, path, ADMIN_UI, method, requested);
        expect({ path, method, status: res.status, text: res.text }).toEqual({
          path,
          method,
          status: 204,
          text: '',
        });
        expect(res.headers.get('access-control-allow-origin')).toBe(ADMIN_UI);
        expect(res.headers.get('access-control-allow-credentials')).toBe('true');
        const methods = res.headers.get('access-control-allow-methods')!.split(', ');
        expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
        expect(res.headers.get('access-control-allow-headers')!.split(', ').sort()).toEqual([
          'authorization',
          'content-type',
          'idempotency-key',
          'x-request-id',
        ]);
        expect(res.headers.get('access-control-max-age')).toBe(String(CORS_MAX_AGE_SECONDS));
        expect(vary(res.headers)).toContain('origin');
        expect(res.headers.get('x-request-id')).toEqual(expect.any(String));
      }
      // A preflight declaring a body type Berth refuses (415 on the real request) is still granted.
      const xml = await call(t, 'OPTIONS', '/api/v1/clusters', {
        origin: ADMIN_UI,
        'access-control-request-method': 'POST',
        'content-type': 'application/xml',
      });
      expect(xml.status).toBe(204);
    });

    it('never audits a preflight and never counts one as a login attempt', async () => {
      const before = await t.sql.query<{ n: string }>('SELECT count(*) AS n FROM audit_logs');
      for (let i = 0; i < 8; i++) {
        expect((await preflight(t, '/api/v1/clusters', ADMIN_UI, 'POST', 'authorization')).status).toBe(204);
        expect((await preflight(t, '/api/v1/auth/login', EVIL, 'POST', 'content-type')).status).toBe(403);
        expect((await preflight(t, '/api/v1/auth/login', ADMIN_UI, 'POST', 'content-type')).status).toBe(204);
      }
      // the test config allows 5 failed logins per minute: 24 preflights counted as attempts would be 429
      await t.login();
      const after = await t.sql.query<{ n: string }>('SELECT count(*) AS n FROM audit_logs');
      const options = await t.sql.query<{ n: string }>(
        "SELECT count(*) AS n FROM audit_logs WHERE method = 'OPTIONS'",
      );
      expect(options.rows[0].n).toBe('0');
      // only the login itself may have been recorded
      expect(Number(after.rows[0].n) - Number(before.rows[0].n)).toBeLessThanOrEqual(1);
    });

    it('gives a disallowed origin no grant: its preflight is an enveloped 403, its requests carry no CORS header', async () => {
      for (const origin of [
        EVIL,
        `${ADMIN_UI}/`,
        'https://ADMIN.example.com',
        'http://admin.example.com',
        'http://127.0.0.1:5174',
        'null',
      ]) {
        const pre = await preflight(t, `/api/v1/clusters/${randomUUID()}`, origin, 'DELETE', 'authorization');
        expect({ origin, status: pre.status }).toEqual({ origin, status: 403 });
        expect(pre.body).toEqual({
          code: 40300,
          message: expect.stringContaining('is not allowed to call Berth (BERTH_CORS_ORIGINS)'),
          data: null,
          request_id: pre.headers.get('x-request-id'),
        });
        expect(corsHeaders(pre.headers)).toEqual([]);
        expect(vary(pre.headers)).toContain('origin');

        const get = await call(t, 'GET', '/api/v1/auth/me', { origin, authorization: `Bearer ${token}` });
        expect(get.status).toBe(200);
        expect(corsHeaders(get.headers)).toEqual([]);
        expect(vary(get.headers)).toContain('origin');
      }
    });

    it('leaves same-origin requests and plain OPTIONS alone (Vary: Origin only)', async () => {
      const res = await call(t, 'GET', '/healthz');
      expect(res.status).toBe(200);
      expect(corsHeaders(res.headers)).toEqual([]);
      expect(vary(res.headers)).toContain('origin');
      // OPTIONS without Access-Control-Request-Method is not a preflight: the router answers as before
      const plain = await call(t, 'OPTIONS', '/api/v1/clusters', { origin: ADMIN_UI });
      expect(plain.status).toBe(404);
      expect(plain.body.code).toBe(40401);
    });
  });

  describe('without BERTH_CORS_ORIGINS (the default)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(() => t.close());

    it('sends no CORS header at all and grants no preflight', async () => {
      expect(t.config.cors.origins).toEqual([]);
      const get = await call(t, 'GET', '/healthz', { origin: ADMIN_UI });
      expect(get.status).toBe(200);
      expect(corsHeaders(get.headers)).toEqual([]);
      expect(vary(get.headers)).not.toContain('origin');
      const pre = await preflight(t, '/api/v1/auth/login', ADMIN_UI, 'POST', 'content-type');
      expect(pre.status).toBe(404);
      expect(pre.body.code).toBe(40401);
      expect(corsHeaders(pre.headers)).toEqual([]);
    });

    it('redirects / to the Swagger page', async () => {
      const res = await call(t, 'GET', '/');
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/api/docs');
      const followed = await fetch(t.url + '/');
      expect(followed.status).toBe(200);
      expect(followed.url).toBe(`${t.url}/api/docs`);
      expect(await followed.text()).toContain('swagger-ui');
    });
  });
});
