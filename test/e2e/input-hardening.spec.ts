import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { raw } from '../helpers/raw-http.js';
import { startTestApp, type TestApp, userToken } from '../helpers/test-app.js';

const fieldsOf = (body: { data?: { fields?: { field: string }[] } }) =>
  (body.data?.fields ?? []).map((f) => f.field);

describe('Bad input answers 4xx with data.fields, never 500; every answer is enveloped (e2e)', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(() => t.close());

  it('refuses JSON nested 10,000 deep before anything recursive runs (unauthenticated, on login)', async () => {
    for (const body of [
      '['.repeat(10_000) + ']'.repeat(10_000),
      '{"username":'.repeat(10_000) + '1' + '}'.repeat(10_000),
    ]) {
      const res = await t.api('POST', '/api/v1/auth/login', {
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 40001, request_id: res.headers.get('x-request-id') });
      expect(fieldsOf(res.body)).toEqual(['body']);
    }
    // legitimate nesting (a Kubernetes manifest is far below the bound) still parses
    const ok = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: 'wrong-password', x: { a: { b: { c: [[[1]]] } } } },
    });
    expect(ok.status).toBe(400);
    expect(fieldsOf(ok.body)).toEqual(['x']);
  });

  it('refuses NUL characters in body, query and path values with 400 naming the field', async () => {
    const login = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'ad\u0000min', password: 'x' },
    });
    expect(login.status).toBe(400);
    expect(login.body.code).toBe(40001);
    expect(fieldsOf(login.body)).toEqual(['username']);

    const nested = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'c1', kubeconfig: 'x', labels: { env: 'pr\u0000od' } },
    });
    expect(nested.status).toBe(400);
    expect(fieldsOf(nested.body)).toEqual(['labels.env']);

    const query = await t.api('GET', '/api/v1/users?q=a%00b', { token: admin });
    expect(query.status).toBe(400);
    expect(fieldsOf(query.body)).toEqual(['q']);

    const audit = await t.api('GET', '/api/v1/audit-logs?action=a%00b', { token: admin });
    expect(audit.status).toBe(400);
    expect(fieldsOf(audit.body)).toEqual(['action']);

    const path = await t.api('GET', `/api/v1/clusters/${randomUUID()}/namespaces/a%00b`, { token: admin });
    expect(path.status).toBe(400);
    expect(fieldsOf(path.body)).toEqual(['ns']);
  });

  it('bounds page so the offset stays a safe number', async () => {
    for (const page of ['1e20', '99999999999999999999', '1000001']) {
      const res = await t.api('GET', `/api/v1/users?page=${page}`, { token: admin });
      expect(res.status).toBe(400);
      expect(fieldsOf(res.body)).toEqual(['page']);
    }
    const last = await t.api('GET', '/api/v1/audit-logs?page=1000000&page_size=500', { token: admin });
    expect(last.status).toBe(200);
    expect(last.body.data).toMatchObject({ cur_page: 1000000, data: [] });
  });

  it('refuses null for optional fields that cannot be null, and writes nothing', async () => {
    await userToken(t, admin, 'nully', 'viewer');
    const user = (await t.sql.query(`SELECT id FROM users WHERE username = 'nully'`)).rows[0].id as string;
    for (const body of [{ disabled: null }, { role: null }, { password: null }]) {
      const res = await t.api('PATCH', `/api/v1/users/${user}`, { token: admin, body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(40001);
      expect(fieldsOf(res.body)).toEqual(Object.keys(body));
    }
    expect((await t.sql.query(`SELECT disabled, role FROM users WHERE id = $1`, [user])).rows[0]).toEqual({
      disabled: false,
      role: 'viewer',
    });

    // a cluster record saved without a reachable server (force)
    const imported = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: {
        name: 'nowhere',
        server: 'https://127.0.0.1:1',
        token: 'abc',
        force: true,
        labels: { env: 'x' },
      },
    });
    expect(imported.status).toBe(201);
    const id = imported.body.data.id as string;
    for (const body of [
      { labels: null },
      { name: null },
      { kubeconfig: null },
      { token: null },
      { server: null },
      { description: null },
    ]) {
      const res = await t.api('PATCH', `/api/v1/clusters/${id}`, { token: admin, body });
      expect(res.status).toBe(400);
      expect(fieldsOf(res.body)).toEqual(Object.keys(body));
    }
    const stored = (await t.sql.query(`SELECT name, labels FROM clusters WHERE id = $1`, [id])).rows[0];
    expect(stored).toEqual({ name: 'nowhere', labels: { env: 'x' } });
    // where null means "clear it" (documented nullable), it still does
    await t.api('PATCH', `/api/v1/clusters/${id}`, { token: admin, body: { display_name: 'Nowhere' } });
    const cleared = await t.api('PATCH', `/api/v1/clusters/${id}`, {
      token: admin,
      body: { display_name: null },
    });
    expect(cleared.status).toBe(200);
    expect(cleared.body.data.display_name).toBeNull();

    const importNull = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'other', kubeconfig: null },
    });
    expect(importNull.status).toBe(400);
    expect(fieldsOf(importNull.body)).toEqual(['kubeconfig']);

    const cred = await t.api('POST', '/api/v1/credentials', {
      token: admin,
      body: {
        name: 'ack-null',
        provider: 'ack',
        settings: { region_id: 'cn-hangzhou', endpoint: 'https://cs.cn-hangzhou.aliyuncs.com' },
        secrets: { access_key_id: 'LTAI5tExampleKeyId', access_key_secret: 'secret-123456' },
      },
    });
    expect(cred.status).toBe(201);
    const endpointNull = await t.api('PATCH', `/api/v1/credentials/${cred.body.data.id}`, {
      token: admin,
      body: { settings: { endpoint: null } },
    });
    expect(endpointNull.status).toBe(400);
    expect(fieldsOf(endpointNull.body)).toEqual(['settings.endpoint']);
    expect(
      (await t.sql.query(`SELECT settings FROM credentials WHERE id = $1`, [cred.body.data.id])).rows[0]
        .settings.endpoint,
    ).toBe('https://cs.cn-hangzhou.aliyuncs.com');

    for (const spec of [undefined, null]) {
      const vendor = await t.api('POST', '/api/v1/clusters', {
        token: admin,
        body: { provider: 'ack', credential_id: cred.body.data.id, name: 'no-spec', spec },
      });
      expect(vendor.status).toBe(400);
      expect(fieldsOf(vendor.body)).toEqual(['spec']);
    }
  });

  it('takes a JSON content type without a body as "no body" (DELETE, logout), before authentication decides', async () => {
    const json = { 'content-type': 'application/json' };
    const anonymous = await t.api('DELETE', `/api/v1/users/${randomUUID()}`, { headers: json });
    expect(anonymous.status).toBe(401);
    await userToken(t, admin, 'to-delete', 'viewer');
    const user = (await t.sql.query(`SELECT id FROM users WHERE username = 'to-delete'`)).rows[0]
      .id as string;
    const deleted = await t.api('DELETE', `/api/v1/users/${user}`, { token: admin, headers: json });
    expect(deleted.status).toBeLessThan(300);
    const own = await t.login();
    const logout = await t.api('POST', '/api/v1/auth/logout', { token: own, headers: json });
    expect(logout.status).toBe(200);
    // POST of a create with no body is a validation error naming the fields, not "body cannot be empty"
    const empty = await t.api('POST', '/api/v1/users', { token: admin, headers: json });
    expect(empty.status).toBe(400);
    expect(fieldsOf(empty.body).sort()).toEqual(['password', 'role', 'username']);
  });

  it('answers a body that is not JSON with 415 naming application/json', async () => {
    for (const type of [
      'application/x-www-form-urlencoded',
      'text/plain',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await t.api('POST', '/api/v1/auth/login', {
        body: 'username=admin&password=x',
        headers: { 'content-type': type },
      });
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({
        code: 41500,
        data: { expected: 'application/json' },
        request_id: res.headers.get('x-request-id'),
      });
      expect(res.body.message).toContain('application/json');
    }
  });

  it('envelopes what the router and Node’s HTTP parser refuse, with X-Request-Id', async () => {
    const cases: [string, number, number][] = [
      [
        `GET /api/v1/users/${'a'.repeat(10_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        414,
        41400,
      ],
      ['GET /api/v1/users/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 400, 40000],
      ['GET /api/v1/\x01\xff HTTP/1.1\r\nHost: x\r\n\r\n', 400, 40000],
      [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`, 431, 43100],
    ];
    for (const [bytes, status, code] of cases) {
      const res = await raw(t.url, bytes);
      expect(res.status).toBe(status);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.parse(res.body)).toMatchObject({
        code,
        message: expect.any(String),
        data: null,
        request_id: res.headers['x-request-id'],
      });
    }
    // bad bytes after a good request on one connection: the good answer goes out whole, then the refusal
    const both = await new Promise<string>((resolve, reject) => {
      const { hostname, port } = new URL(t.url);
      const socket = net.connect(Number(port), hostname);
      const chunks: Buffer[] = [];
      socket.on('data', (c) => chunks.push(c));
      socket.on('error', reject);
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
      socket.setTimeout(5_000, () => socket.destroy());
      socket.write(
        `GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${admin}\r\n\r\n\x01\x02 garbage\r\n\r\n`,
      );
    });
    const [first, second] = both.split(/(?=HTTP\/1\.1 )/);
    expect(first).toMatch(/^HTTP\/1\.1 200 /);
    expect(
      JSON.parse(first.slice(first.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n|\r\n0\r\n\r\n$/g, '')),
    ).toMatchObject({ code: 0, data: { username: 'admin' } });
    expect(second).toMatch(/^HTTP\/1\.1 400 /);
    expect(second).toMatch(/x-request-id: [0-9a-f-]{36}/);
    expect(JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4))).toMatchObject({
      code: 40000,
      data: null,
    });
    expect((await t.api('GET', '/healthz')).status).toBe(200);
  });
});
