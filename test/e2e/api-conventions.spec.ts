import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { registeredRoutes } from '../../src/app.factory.js';
import { startTestApp, type TestApp, userToken } from '../helpers/test-app.js';

describe('API conventions: envelope, errors, pagination, docs, ops endpoints, audit (e2e)', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(() => t.close());

  it('paginates with exact page math across pages', async () => {
    for (let i = 0; i < 23; i++) {
      const res = await t.api('POST', '/api/v1/users', {
        token: admin,
        body: { username: `user-${String(i).padStart(2, '0')}`, password: 'password-123', role: 'viewer' },
      });
      expect(res.status).toBe(201);
    }
    // 24 users (admin + 23), page size 10 → 3 pages: 10, 10, 4
    const seen: string[] = [];
    for (const [p, n] of [
      [1, 10],
      [2, 10],
      [3, 4],
    ]) {
      const res = await t.api('GET', `/api/v1/users?page=${p}&page_size=10`, { token: admin });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ cur_page: p, cur_page_size: 10, total: 24, total_page: 3 });
      expect(res.body.data.data).toHaveLength(n);
      seen.push(...res.body.data.data.map((u: { id: string }) => u.id));
    }
    expect(new Set(seen).size).toBe(24);
    const beyond = await t.api('GET', '/api/v1/users?page=9&page_size=10', { token: admin });
    expect(beyond.body.data).toMatchObject({ cur_page: 9, total: 24, total_page: 3, data: [] });
    const defaults = await t.api('GET', '/api/v1/users', { token: admin });
    expect(defaults.body.data).toMatchObject({ cur_page: 1, cur_page_size: 20, total_page: 2 });
    const empty = await t.api('GET', '/api/v1/users?q=nobody-like-this', { token: admin });
    expect(empty.body.data).toMatchObject({ total: 0, total_page: 0, data: [] });
  });

  it('answers bad query parameters with 400 and one entry per bad field', async () => {
    const res = await t.api('GET', '/api/v1/users?page=0&page_size=501&role=root&extra=1', { token: admin });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 40001, data: { fields: expect.any(Array) } });
    const fields = res.body.data.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['extra', 'page', 'page_size', 'role']);
    for (const f of res.body.data.fields) expect(f.errors.length).toBeGreaterThan(0);
    expect(res.body.message).toMatch(/^Validation failed: /);
  });

  it('answers malformed JSON, wrong content type and unknown routes with enveloped 4xx', async () => {
    const bad = await t.api('POST', '/api/v1/users', {
      token: admin,
      body: '{"username": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 40000, data: null, request_id: expect.any(String) });
    const media = await t.api('POST', '/api/v1/users', {
      token: admin,
      body: 'username=x',
      headers: { 'content-type': 'text/csv' },
    });
    expect(media.status).toBe(415);
    expect(media.body.code).toBe(41500);
    const route = await t.api('GET', '/api/v1/no-such-thing', { token: admin });
    expect(route.status).toBe(404);
    expect(route.body).toMatchObject({ code: 40401, message: 'No route for GET /api/v1/no-such-thing' });
  });

  it('echoes a caller’s X-Request-Id and generates one otherwise', async () => {
    const mine = await t.api('GET', '/api/v1/users/not-a-uuid', {
      token: admin,
      headers: { 'x-request-id': 'portal-req-42' },
    });
    expect(mine.headers.get('x-request-id')).toBe('portal-req-42');
    expect(mine.body.request_id).toBe('portal-req-42');
    const generated = await t.api('GET', '/healthz');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves liveness, readiness and Prometheus metrics without a token', async () => {
    expect((await t.api('GET', '/healthz')).body).toEqual({ code: 0, message: 'ok', data: { status: 'ok' } });
    const ready = await t.api('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.data.checks).toEqual({ postgres: 'ok', redis: 'ok' });
    const metrics = await t.api('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.text).toMatch(
      /berth_http_requests_total\{method="GET",route="\/api\/v1\/users",status="200"\} \d+/,
    );
    expect(metrics.text).toContain(
      'berth_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/users",status="200"}',
    );
  });

  it('documents every route in Swagger, with bearer auth and the error envelope', async () => {
    const ui = await t.api('GET', '/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const doc = (await t.api('GET', '/api/docs-json')).body;
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.ErrorEnvelopeDto).toBeDefined();
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops))
        documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
    }
    const api = registeredRoutes(t.app).filter(
      (r) => r.url.startsWith('/api/v1') || ['/healthz', '/readyz', '/metrics'].includes(r.url),
    );
    expect(api.length).toBeGreaterThan(20);
    const missing = api.map((r) => `${r.method} ${r.url}`).filter((r) => !documented.has(r));
    expect(missing).toEqual([]);
    // Protected routes declare bearer auth and a 401; public ones do not.
    expect(doc.paths['/api/v1/credentials'].post.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/credentials'].post.responses['401']).toBeDefined();
    expect(doc.paths['/api/v1/auth/login'].post.security).toEqual([]);
    // Live lists document the page-level apiVersion and kind of their items.
    const live =
      doc.paths['/api/v1/clusters/{id}/resources/{resource}'].get.responses['200'].content['application/json']
        .schema;
    expect(Object.keys(live.properties.data.properties)).toEqual(
      expect.arrayContaining([
        'cur_page',
        'cur_page_size',
        'total',
        'total_page',
        'data',
        'api_version',
        'kind',
      ]),
    );
  });

  it('records every mutating request in the audit log, including refused ones, with filters', async () => {
    const viewer = await userToken(t, admin, 'auditee', 'viewer');
    const created = await t.api('POST', '/api/v1/credentials', {
      token: admin,
      body: {
        name: 'audit-me',
        provider: 'harbor',
        settings: { endpoint: 'https://h.example', username: 'u' },
        secrets: { password: 'pw-audit' },
      },
    });
    const id = created.body.data.id;
    await t.api('DELETE', `/api/v1/credentials/${id}`, { token: viewer });
    await t.api('DELETE', `/api/v1/credentials/${id}`);
    await t.api('DELETE', `/api/v1/credentials/${id}`, { token: admin });

    const res = await t.api('GET', `/api/v1/audit-logs?target_id=${id}&page_size=10`, { token: admin });
    expect(res.status).toBe(200);
    const rows = res.body.data.data as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.action, r.actor_name, r.outcome, r.status_code])).toEqual([
      ['credential.delete', 'admin', 'success', 200],
      ['credential.delete', 'anonymous', 'failure', 401],
      ['credential.delete', 'auditee', 'failure', 403],
      ['credential.create', 'admin', 'success', 201],
    ]);
    expect(rows[0]).toMatchObject({
      target_type: 'credentials',
      request_id: expect.any(String),
      method: 'DELETE',
    });
    expect(JSON.stringify(rows)).not.toContain('pw-audit');

    const failures = await t.api('GET', `/api/v1/audit-logs?outcome=failure&target_id=${id}`, {
      token: admin,
    });
    expect(failures.body.data.total).toBe(2);
    const logins = await t.api('GET', '/api/v1/audit-logs?action=auth.login&actor=auditee', { token: admin });
    expect(logins.body.data.total).toBe(1);
    const since = await t.api(
      'GET',
      `/api/v1/audit-logs?since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
      { token: admin },
    );
    expect(since.body.data.total).toBe(0);
    const gets = await t.sql.query("SELECT count(*)::int AS n FROM audit_logs WHERE method = 'GET'");
    expect(gets.rows[0].n).toBe(0);
  });
});
