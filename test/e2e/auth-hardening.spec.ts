import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import { DEV_JWT_SECRET } from '../../src/config/app-config.js';
import { eventually, startTestApp, type TestApp, userToken } from '../helpers/test-app.js';

const PER_ADDRESS = 10;
const PER_ACCOUNT = 25;

interface Answer {
  status: number;
  code: number | undefined;
  retryAfter: string | null;
}

/** One login over a fresh connection from `localAddress` (loopback accepts any 127.x source address). */
function loginFrom(url: string, localAddress: string, username: string, password: string): Promise<Answer> {
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/api/v1/auth/login`,
      {
        method: 'POST',
        localAddress,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let code: number | undefined;
          try {
            code = (JSON.parse(text) as { code?: number }).code;
          } catch {
            code = undefined;
          }
          const ra = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, code, retryAfter: typeof ra === 'string' ? ra : null });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function loginFetch(url: string, username: string, password: string): Promise<Answer> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { code?: number };
  return { status: res.status, code: body.code, retryAfter: res.headers.get('retry-after') };
}

function tally(answers: Answer[]) {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

function expectLimited(a: Answer) {
  expect(a.status).toBe(429);
  expect(a.code).toBe(42900);
  expect(Number(a.retryAfter)).toBeGreaterThan(0);
}

function b64url(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

/** A token signed with the development secret, as anyone who read Berth's source could make one. */
function forge(claims: Record<string, unknown>): string {
  const head = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(claims)}`;
  return `${head}.${createHmac('sha256', DEV_JWT_SECRET).update(head).digest('base64url')}`;
}

describe('auth hardening: parallel brute force, per-account limit, token claims, role from Postgres (e2e)', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        BERTH_LOGIN_MAX_ATTEMPTS: String(PER_ADDRESS),
        BERTH_LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: String(PER_ACCOUNT),
      },
    });
    admin = await t.login();
    for (const name of ['brutus', 'cassius', 'decimus', 'sulla']) {
      const res = await t.api('POST', '/api/v1/users', {
        token: admin,
        body: { username: name, password: `pw-${name}-123456`, role: 'viewer' },
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(() => t.close());

  it('counts 200 parallel wrong guesses atomically: at most the limit get 401, the rest 429 with Retry-After', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => loginFetch(t.url, 'brutus', 'wrong-password')),
    );
    const counts = tally(answers);
    process.stdout.write(`200 parallel wrong guesses (limit ${PER_ADDRESS}): ${JSON.stringify(counts)}\n`);
    expect(counts[401] ?? 0).toBeLessThanOrEqual(PER_ADDRESS);
    expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(200);
    for (const a of answers.filter((x) => x.status !== 401)) expectLimited(a);
    for (const a of answers.filter((x) => x.status === 401)) expect(a.code).toBe(40101);
  });

  it('refuses the right password inside a burst once the limit is used up', async () => {
    const burst = [
      ...Array.from({ length: 30 }, () => loginFetch(t.url, 'brutus', 'wrong-password')),
      loginFetch(t.url, 'brutus', 'pw-brutus-123456'),
      ...Array.from({ length: 30 }, () => loginFetch(t.url, 'brutus', 'wrong-password')),
    ];
    const answers = await Promise.all(burst);
    process.stdout.write(
      `burst of 61 after the limit, right password in the middle: ${JSON.stringify(tally(answers))}\n`,
    );
    for (const a of answers) expectLimited(a);
    // Alone, too: the right password does not log in while the budget is used up.
    expectLimited(await loginFetch(t.url, 'brutus', 'pw-brutus-123456'));
  });

  it('throttles unknown usernames exactly like known ones', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, () => loginFetch(t.url, 'nobody-here', 'wrong-password')),
    );
    const counts = tally(answers);
    process.stdout.write(`200 parallel guesses for an unknown user: ${JSON.stringify(counts)}\n`);
    expect(counts[401] ?? 0).toBeLessThanOrEqual(PER_ADDRESS);
    for (const a of answers.filter((x) => x.status !== 401)) expectLimited(a);
  });

  it('limits an account across addresses: 200 parallel guesses from 20 addresses get at most the per-account limit of 401s', async () => {
    const addresses = Array.from({ length: 20 }, (_, i) => `127.0.0.${i + 2}`);
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        loginFrom(t.url, addresses[i % addresses.length], 'cassius', 'wrong-password'),
      ),
    );
    const counts = tally(answers);
    process.stdout.write(
      `200 parallel guesses from 20 addresses (per address ${PER_ADDRESS}, per account ${PER_ACCOUNT}): ${JSON.stringify(counts)}\n`,
    );
    expect(counts[401] ?? 0).toBeLessThanOrEqual(PER_ACCOUNT);
    expect(counts[401] ?? 0).toBeGreaterThan(PER_ADDRESS); // more than one address's budget was used: the account limit bit
    for (const a of answers.filter((x) => x.status !== 401)) expectLimited(a);
    // A fresh address with the right password is refused too: the account's budget is used up.
    expectLimited(await loginFrom(t.url, '127.0.0.50', 'cassius', 'pw-cassius-123456'));
    // Other accounts from the same addresses are not affected.
    expect((await loginFrom(t.url, '127.0.0.2', 'sulla', 'pw-sulla-123456')).status).toBe(200);
  });

  it('does not hold successful logins against the user', async () => {
    for (let i = 0; i < PER_ACCOUNT + 5; i++) {
      const a = await loginFrom(t.url, `127.0.1.${(i % 5) + 1}`, 'decimus', 'pw-decimus-123456');
      expect(a.status).toBe(200);
    }
  });

  it('refuses tokens signed with the right secret but without exp, jti, sub or auth_time', async () => {
    const me = (await t.api('GET', '/api/v1/auth/me', { token: admin })).body.data;
    const now = Math.floor(Date.now() / 1000);
    const full = {
      sub: me.id,
      username: 'admin',
      role: 'admin',
      jti: randomUUID(),
      auth_time: Date.now(),
      iat: now,
      exp: now + 600,
      iss: 'berth',
    };
    // The forger's signature is right: with every claim the token works...
    expect((await t.api('GET', '/api/v1/auth/me', { token: forge(full) })).status).toBe(200);
    // ...and without any one of them it does not.
    for (const missing of ['exp', 'jti', 'sub', 'auth_time'] as const) {
      const claims: Record<string, unknown> = { ...full, jti: randomUUID() };
      delete claims[missing];
      const res = await t.api('GET', '/api/v1/auth/me', { token: forge(claims) });
      expect({ missing, status: res.status, code: res.body.code }).toEqual({
        missing,
        status: 401,
        code: 40100,
      });
      expect(res.headers.get('x-request-id')).toEqual(expect.any(String));
    }
  });

  it('acts with the grants stored in Postgres, not with anything in the token', async () => {
    const otto = await userToken(t, admin, 'otto', 'operator');
    const asOperator = await t.api('POST', '/api/v1/clusters/import', { token: otto, body: {} });
    expect(asOperator.status).toBe(400); // past the access check, refused by validation
    // Changed behind Berth's back (no revocation at all): within the cache TTL the token acts as a viewer.
    await t.sql.query(
      `UPDATE grants SET role = 'view' WHERE managed_by = 'role' AND subject_id = (SELECT id FROM users WHERE username = 'otto')`,
    );
    const refused = await eventually(async () => {
      const res = await t.api('POST', '/api/v1/clusters/import', { token: otto, body: {} });
      return res.status === 403 ? res : null;
    }, 5000);
    expect(refused.body.code).toBe(40300);
    const me = await t.api('GET', '/api/v1/auth/me', { token: otto });
    expect(me.body.data.grants.map((g: { role: string }) => g.role)).toEqual(['view']);
  });

  it('refuses the token of a user disabled directly in Postgres (no Redis revocation at all)', async () => {
    const vic = await userToken(t, admin, 'vic', 'viewer');
    expect((await t.api('GET', '/api/v1/auth/me', { token: vic })).status).toBe(200);
    await t.sql.query(`UPDATE users SET disabled = true WHERE username = 'vic'`);
    await eventually(
      async () => (await t.api('GET', '/api/v1/auth/me', { token: vic })).status === 401,
      5000,
    );
    const res = await t.api('GET', '/api/v1/auth/me', { token: vic });
    expect(res.body.code).toBe(40102);
  });

  it('keeps a logout in Postgres (revoked_tokens) until the token expires', async () => {
    const token = await t.login('sulla', 'pw-sulla-123456');
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
      jti: string;
      exp: number;
    };
    expect((await t.api('POST', '/api/v1/auth/logout', { token })).status).toBe(200);
    const { rows } = await t.sql.query<{ expires_at: Date }>(
      'SELECT expires_at FROM revoked_tokens WHERE jti = $1',
      [claims.jti],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].expires_at.getTime()).toBe(claims.exp * 1000);
  });
});
