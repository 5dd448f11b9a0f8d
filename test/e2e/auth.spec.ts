import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_PASSWORD, startTestApp, type TestApp, userToken } from '../helpers/test-app.js';

describe('auth and users (e2e)', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(() => t.close());

  it('creates the first admin on boot and logs in with the right password', async () => {
    const res = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: ADMIN_PASSWORD },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      code: 0,
      message: 'ok',
      data: { token_type: 'Bearer', expires_in: 3600 },
    });
    expect(res.body.data.access_token.split('.')).toHaveLength(3);
    expect(res.body.data.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(JSON.stringify(res.body)).not.toContain('password');
  });

  it('refuses a wrong password and an unknown user with the same 401', async () => {
    const wrong = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: 'nope-nope' },
    });
    const unknown = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'ghost', password: 'nope-nope' },
    });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 40101, message: 'Wrong username or password', data: null });
      expect(res.body.request_id).toEqual(expect.any(String));
    }
  });

  it('answers 401 without a token, with a malformed token and with a token signed by another secret', async () => {
    const none = await t.api('GET', '/api/v1/auth/me');
    expect(none.status).toBe(401);
    expect(none.body.code).toBe(40100);
    const junk = await t.api('GET', '/api/v1/auth/me', { token: 'not.a.jwt' });
    expect(junk.status).toBe(401);
    const [h, p] = admin.split('.');
    const forged = await t.api('GET', '/api/v1/auth/me', {
      token: `${h}.${p}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`,
    });
    expect(forged.status).toBe(401);
  });

  it('returns the caller from /auth/me', async () => {
    const res = await t.api('GET', '/api/v1/auth/me', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ username: 'admin', role: 'admin', disabled: false });
  });

  it('revokes the token on logout, and only that token', async () => {
    const a = await t.login();
    const b = await t.login();
    const out = await t.api('POST', '/api/v1/auth/logout', { token: a });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ code: 0, message: 'ok', data: null });
    const after = await t.api('GET', '/api/v1/auth/me', { token: a });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe(40102);
    expect((await t.api('GET', '/api/v1/auth/me', { token: b })).status).toBe(200);
  });

  it('enforces role presets: viewer reads clusters, cannot write; operator cannot manage users', async () => {
    const viewer = await userToken(t, admin, 'vera', 'viewer');
    const operator = await userToken(t, admin, 'otto', 'operator');
    expect((await t.api('GET', '/api/v1/clusters', { token: viewer })).status).toBe(200);
    // Cloud credential records (never their secrets) are for cluster admins (operators), not viewers.
    expect((await t.api('GET', '/api/v1/credentials', { token: operator })).status).toBe(200);
    const read = await t.api('GET', '/api/v1/credentials', { token: viewer });
    expect(read.status).toBe(403);
    expect(read.body).toMatchObject({ code: 40300, data: { verb: 'credentials.read' } });
    const write = await t.api('POST', '/api/v1/credentials', {
      token: viewer,
      body: {
        name: 'x',
        provider: 'harbor',
        settings: { endpoint: 'https://h.example', username: 'u' },
        secrets: { password: 'p' },
      },
    });
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ code: 40300, data: { verb: 'settings.manage' } });
    expect(write.body.message).toContain('admin');
    const users = await t.api('GET', '/api/v1/users', { token: operator });
    expect(users.status).toBe(403);
    const audit = await t.api('GET', '/api/v1/audit-logs', { token: viewer });
    expect(audit.status).toBe(403);
  });

  it('manages users: create, duplicate 409, list with filters, role change ends sessions, delete', async () => {
    const created = await t.api('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'Paula', password: 'paula-password', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ username: 'paula', role: 'viewer' });
    expect(created.body.data).not.toHaveProperty('password_hash');
    const id = created.body.data.id;

    const dup = await t.api('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'paula', password: 'another-pw', role: 'viewer' },
    });
    expect(dup.status).toBe(409);

    const list = await t.api('GET', '/api/v1/users?role=viewer&q=pau', { token: admin });
    expect(list.body.data.data.map((u: { username: string }) => u.username)).toEqual(['paula']);

    const paula = await t.login('paula', 'paula-password');
    const promoted = await t.api('PATCH', `/api/v1/users/${id}`, {
      token: admin,
      body: { role: 'operator' },
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body.data.role).toBe('operator');
    expect((await t.api('GET', '/api/v1/auth/me', { token: paula })).status).toBe(401);
    const again = await t.login('paula', 'paula-password');
    expect((await t.api('GET', '/api/v1/auth/me', { token: again })).body.data.role).toBe('operator');

    const disabled = await t.api('PATCH', `/api/v1/users/${id}`, { token: admin, body: { disabled: true } });
    expect(disabled.body.data.disabled).toBe(true);
    expect(
      (await t.api('POST', '/api/v1/auth/login', { body: { username: 'paula', password: 'paula-password' } }))
        .status,
    ).toBe(401);

    expect((await t.api('DELETE', `/api/v1/users/${id}`, { token: admin })).status).toBe(200);
    expect((await t.api('GET', `/api/v1/users/${id}`, { token: admin })).status).toBe(404);
  });

  it('protects the last admin and the caller’s own account', async () => {
    const me = (await t.api('GET', '/api/v1/auth/me', { token: admin })).body.data;
    const self = await t.api('DELETE', `/api/v1/users/${me.id}`, { token: admin });
    expect(self.status).toBe(409);
    const demote = await t.api('PATCH', `/api/v1/users/${me.id}`, { token: admin, body: { role: 'viewer' } });
    expect(demote.status).toBe(409);
    expect(demote.body.message).toContain('last active admin');
  });

  it('rate-limits failed logins per user and address with 429 and Retry-After', async () => {
    await t.api('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'rita', password: 'rita-password', role: 'viewer' },
    });
    const max = t.config.auth.login_max_attempts;
    for (let i = 0; i < max; i++) {
      const res = await t.api('POST', '/api/v1/auth/login', {
        body: { username: 'rita', password: 'wrong-password' },
      });
      expect(res.status).toBe(401);
    }
    const limited = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'rita', password: 'rita-password' },
    });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe(42900);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other users are not affected.
    expect(
      (await t.api('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } }))
        .status,
    ).toBe(200);
  });
});
