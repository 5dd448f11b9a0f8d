import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { OwnRedis } from '../helpers/own-services.js';
import { eventually, startTestApp, type TestApp } from '../helpers/test-app.js';

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = Date.now();
  const v = await fn();
  return [v, Date.now() - start];
}

describe('revocation survives a Redis restart that loses every key (fault, own redis-server)', () => {
  let redis: OwnRedis;
  let t: TestApp;
  let admin: string;
  const ids: Record<string, string> = {};
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    redis = await OwnRedis.create();
    t = await startTestApp({ env: { REDIS_URL: redis.url, BERTH_WORKERS: 'false' } });
    admin = await t.login();
    for (const [name, role] of [
      ['lou', 'viewer'],
      ['dina', 'viewer'],
      ['opal', 'operator'],
    ] as const) {
      const created = await t.api('POST', '/api/v1/users', {
        token: admin,
        body: { username: name, password: `pw-${name}-123456`, role },
      });
      expect(created.status).toBe(201);
      ids[name] = created.body.data.id;
      tokens[name] = await t.login(name, `pw-${name}-123456`);
    }
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await redis?.destroy();
  });

  it('keeps a logged-out, a disabled and a demoted user’s tokens refused after Redis comes back empty', async () => {
    // Before: all three work; opal acts as operator (past the role check, refused by validation).
    for (const name of ['lou', 'dina', 'opal'])
      expect((await t.api('GET', '/api/v1/auth/me', { token: tokens[name] })).status).toBe(200);
    expect((await t.api('POST', '/api/v1/clusters/import', { token: tokens.opal, body: {} })).status).toBe(
      400,
    );

    expect((await t.api('POST', '/api/v1/auth/logout', { token: tokens.lou })).status).toBe(200);
    expect(
      (await t.api('PATCH', `/api/v1/users/${ids.dina}`, { token: admin, body: { disabled: true } })).status,
    ).toBe(200);
    expect(
      (await t.api('PATCH', `/api/v1/users/${ids.opal}`, { token: admin, body: { role: 'viewer' } })).status,
    ).toBe(200);
    for (const name of ['lou', 'dina', 'opal'])
      expect((await t.api('GET', '/api/v1/auth/me', { token: tokens[name] })).status).toBe(401);

    // Redis dies: authentication fails closed, quickly, with 503 — never "allow", never a 500.
    await redis.kill();
    const [down, downMs] = await timed(() => t.api('GET', '/api/v1/auth/me', { token: admin }));
    const [login, loginMs] = await timed(() =>
      t.api('POST', '/api/v1/auth/login', { body: { username: 'lou', password: 'pw-lou-123456' } }),
    );
    process.stdout.write(
      `Redis down: GET /auth/me ${down.status} in ${downMs} ms, login ${login.status} in ${loginMs} ms\n`,
    );
    for (const [res, ms] of [
      [down, downMs],
      [login, loginMs],
    ] as const) {
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ code: 50300, data: { dependency: 'redis' } });
      expect(res.headers.get('x-request-id')).toEqual(expect.any(String));
      expect(ms).toBeLessThan(5000);
    }

    // A new, empty Redis on the same port: every denylist key is gone.
    await redis.start();
    const started = Date.now();
    await eventually(
      async () => (await t.api('GET', '/api/v1/auth/me', { token: admin })).status === 200,
      20_000,
      100,
    );
    process.stdout.write(`Redis back (empty): admin served again after ${Date.now() - started} ms\n`);
    const direct = new Redis(redis.url);
    await direct.ping();
    try {
      expect(await direct.keys('*denylist*')).toEqual([]);
    } finally {
      direct.disconnect();
    }

    const lou = await t.api('GET', '/api/v1/auth/me', { token: tokens.lou });
    expect([lou.status, lou.body.code]).toEqual([401, 40102]);
    const dina = await t.api('GET', '/api/v1/auth/me', { token: tokens.dina });
    expect([dina.status, dina.body.code]).toEqual([401, 40102]);
    const opalMe = await t.api('GET', '/api/v1/auth/me', { token: tokens.opal });
    expect(opalMe.status).toBe(401);
    const opalWrite = await t.api('POST', '/api/v1/clusters/import', { token: tokens.opal, body: {} });
    expect([401, 403]).toContain(opalWrite.status);

    // Logging in again: lou can, dina cannot, opal is a viewer now.
    expect(
      (await t.api('POST', '/api/v1/auth/login', { body: { username: 'dina', password: 'pw-dina-123456' } }))
        .status,
    ).toBe(401);
    const lou2 = await t.login('lou', 'pw-lou-123456');
    expect((await t.api('GET', '/api/v1/auth/me', { token: lou2 })).status).toBe(200);
    const opal2 = await t.login('opal', 'pw-opal-123456');
    const opal2Write = await t.api('POST', '/api/v1/clusters/import', { token: opal2, body: {} });
    expect([opal2Write.status, opal2Write.body.code]).toEqual([403, 40300]);
  }, 90_000);
});
