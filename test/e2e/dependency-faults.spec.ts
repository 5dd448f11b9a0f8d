import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { AppConfig } from '../../src/config/app-config.js';
import { DEV_ENCRYPTION_KEYS } from '../../src/config/app-config.js';
import { SecretBox } from '../../src/common/crypto/secret-box.js';
import { type ApiResponse, eventually, startTestApp, type TestApp } from '../helpers/test-app.js';
import { OwnPostgres, OwnRedis } from '../helpers/own-services.js';

/**
 * Fault tests on Berth's dependencies, on a Postgres cluster and a redis-server this file starts for
 * itself: each is killed, stopped or frozen under one running Berth, which must answer 503
 * DEPENDENCY_UNAVAILABLE within a bound, say which dependency is down on /readyz, recover without a
 * restart, never lose the audit row of a request it reported as done, and never leave an operation stuck.
 */

/** Bounds (ms). Redis: command timeout 1 s. Postgres: query timeout 2.5 s (+ the audit write for mutations). */
const REDIS_BOUND = 1500;
const PG_BOUND = 4000;
const READYZ_BOUND = 2500;

const NEW_KEY = `k2:${Buffer.alloc(32, 42).toString('base64')}`;

interface Sample {
  scenario: string;
  request: string;
  status: number;
  code: unknown;
  ms: number;
}

describe('dependency outages', () => {
  let pgServer: OwnPostgres;
  let redis: OwnRedis;
  let t: TestApp;
  let admin: string;
  const samples: Sample[] = [];
  const recoveries: { scenario: string; ms: number }[] = [];
  /** Every mutating request sent, to check audit rows at the end. */
  const mutations: { requestId: string; status: number; scenario: string }[] = [];

  const timed = async (
    scenario: string,
    request: string,
    method: string,
    path: string,
    token?: string,
  ): Promise<ApiResponse & { ms: number }> => {
    const requestId = randomUUID();
    const start = performance.now();
    const res = await t.api(method, path, { token, headers: { 'x-request-id': requestId } });
    const ms = Math.round(performance.now() - start);
    samples.push({ scenario, request, status: res.status, code: res.body?.code, ms });
    if (method !== 'GET') mutations.push({ requestId, status: res.status, scenario });
    return { ...res, ms };
  };

  /** Fresh tokens (a logout spends one). Logging in needs both dependencies. */
  const tokens: string[] = [];
  const mint = async (n: number) => {
    for (let i = 0; i < n; i++) tokens.push(await t.login());
  };

  const recover = async (scenario: string, check: () => Promise<boolean>) => {
    const start = performance.now();
    await eventually(check, 30_000, 50);
    recoveries.push({ scenario, ms: Math.round(performance.now() - start) });
  };
  const healthy = async () =>
    (await t.api('GET', '/readyz')).status === 200 &&
    (await t.api('GET', '/api/v1/users', { token: admin })).status === 200 &&
    (await t.api('GET', '/api/v1/auth/me', { token: admin })).status === 200;

  /** 503 DEPENDENCY_UNAVAILABLE naming `dependency`, within `bound`. */
  const expectUnavailable = (res: ApiResponse & { ms: number }, dependency: string, bound: number) => {
    expect({ status: res.status, code: res.body?.code, dependency: res.body?.data?.dependency }).toEqual({
      status: 503,
      code: 50300,
      dependency,
    });
    expect(res.body.message).toMatch(
      dependency === 'postgres' ? /^Postgres is unavailable/ : /^Redis is unavailable/,
    );
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.ms).toBeLessThan(bound);
  };
  const expectNotReady = (res: ApiResponse & { ms: number }, down: string, up: string) => {
    expect(res.status).toBe(503);
    expect(res.body.code).toBe(50300);
    expect(res.body.data.unavailable).toEqual([down]);
    expect(res.body.data.checks[down]).not.toBe('ok');
    expect(res.body.data.checks[up]).toBe('ok');
    expect(res.ms).toBeLessThan(READYZ_BOUND);
  };

  beforeAll(async () => {
    [pgServer, redis] = await Promise.all([OwnPostgres.create(), OwnRedis.create()]);
    t = await startTestApp({
      databaseUrl: pgServer.url(),
      env: {
        REDIS_URL: redis.url,
        // The rotation scenario: a new active key, the development key still in the ring.
        BERTH_ENCRYPTION_KEYS: `${NEW_KEY},${DEV_ENCRYPTION_KEYS}`,
        BERTH_OPERATION_RECOVERY_INTERVAL_MS: '2000',
      },
    });
    admin = await t.login();
  }, 120_000);

  afterAll(async () => {
    // The measurements, for the closing note.
    const byScenario = new Map<string, Sample[]>();
    for (const s of samples)
      byScenario.set(`${s.scenario} | ${s.request}`, [
        ...(byScenario.get(`${s.scenario} | ${s.request}`) ?? []),
        s,
      ]);
    const lines = [...byScenario].map(([k, v]) => {
      const statuses = [...new Set(v.map((s) => `${s.status}/${String(s.code)}`))].join(',');
      return `${k}: ${v.length}× ${statuses}, max ${Math.max(...v.map((s) => s.ms))} ms, median ${v.map((s) => s.ms).sort((a, b) => a - b)[Math.floor(v.length / 2)]} ms`;
    });
    lines.push(...recoveries.map((r) => `recovery after ${r.scenario}: ${r.ms} ms`));
    process.stdout.write(`\ndependency fault measurements:\n  ${lines.join('\n  ')}\n`);
    await t?.close().catch(() => undefined);
    await Promise.all([pgServer?.destroy(), redis?.destroy()]);
  }, 60_000);

  it('Redis killed: 503 naming Redis within the command timeout, /readyz names it, recovery without restart', async () => {
    await mint(3);
    await redis.kill();
    for (let round = 0; round < 4; round++) {
      expectUnavailable(
        await timed('redis killed', 'GET /auth/me', 'GET', '/api/v1/auth/me', admin),
        'redis',
        REDIS_BOUND,
      );
      expectUnavailable(
        await timed('redis killed', 'POST /auth/logout', 'POST', '/api/v1/auth/logout', admin),
        'redis',
        REDIS_BOUND,
      );
      expectNotReady(await timed('redis killed', 'GET /readyz', 'GET', '/readyz'), 'redis', 'postgres');
      await new Promise((r) => setTimeout(r, 400));
    }
    await redis.start();
    await recover('redis killed', healthy);
    // bull's connections came back too: an operation runs to the end.
    const op = await t.api('POST', '/api/v1/secrets/reencrypt', { token: admin });
    expect(op.status).toBe(202);
    await eventually(
      async () =>
        (await t.api('GET', `/api/v1/operations/${op.body.data.id}`, { token: admin })).body.data.status ===
        'succeeded',
      15_000,
    );
  });

  it('Redis frozen (SIGSTOP): 503 within the command timeout, recovery on SIGCONT', async () => {
    redis.freeze();
    try {
      // A frozen Redis is not a closed connection: a token verified in the last BERTH_AUTH_STATE_CACHE_MS
      // keeps its in-process verdict that long (revocations are durable in Postgres; none is older than
      // the TTL). Once it expires, every check needs Redis again and must fail fast.
      const cached = await timed(
        'redis frozen',
        'GET /auth/me (cached verdict)',
        'GET',
        '/api/v1/auth/me',
        admin,
      );
      expect([200, 503]).toContain(cached.status);
      expect(cached.ms).toBeLessThan(REDIS_BOUND);
      await new Promise((r) => setTimeout(r, t.config.auth.state_cache_ms + 50));
      for (let round = 0; round < 3; round++) {
        expectUnavailable(
          await timed('redis frozen', 'GET /auth/me', 'GET', '/api/v1/auth/me', admin),
          'redis',
          REDIS_BOUND,
        );
        expectNotReady(await timed('redis frozen', 'GET /readyz', 'GET', '/readyz'), 'redis', 'postgres');
      }
    } finally {
      redis.thaw();
    }
    await recover('redis frozen', healthy);
  });

  it('Postgres stopped: 503 naming Postgres (logout too: its revocation is durable), recovery on start', async () => {
    await mint(4);
    await pgServer.stop();
    const spent: string[] = [];
    try {
      for (let round = 0; round < 3; round++) {
        expectUnavailable(
          await timed('postgres stopped', 'GET /users', 'GET', '/api/v1/users', admin),
          'postgres',
          PG_BOUND,
        );
        // Logout writes its revocation to Postgres (and its audit row): it must not answer 200.
        // (A success whose audit row alone cannot be written: audit-and-sql-logging.spec.ts.)
        const token = tokens.pop()!;
        spent.push(token);
        const out = await timed(
          'postgres stopped',
          'POST /auth/logout',
          'POST',
          '/api/v1/auth/logout',
          token,
        );
        expectUnavailable(out, 'postgres', PG_BOUND);
        expectNotReady(await timed('postgres stopped', 'GET /readyz', 'GET', '/readyz'), 'postgres', 'redis');
      }
    } finally {
      await pgServer.start();
    }
    await recover('postgres stopped', healthy);
    // The refused logout can be sent again once Postgres is back, and then holds.
    expect((await t.api('POST', '/api/v1/auth/logout', { token: spent[0] })).status).toBe(200);
    expect((await t.api('GET', '/api/v1/auth/me', { token: spent[0] })).status).toBe(401);
  });

  it('Postgres frozen (SIGSTOP of the whole cluster): 503 within the bound instead of hanging, recovery on SIGCONT', async () => {
    await mint(3);
    pgServer.freeze();
    try {
      for (let round = 0; round < 3; round++) {
        expectUnavailable(
          await timed('postgres frozen', 'GET /users', 'GET', '/api/v1/users', admin),
          'postgres',
          PG_BOUND,
        );
        const out = await timed(
          'postgres frozen',
          'POST /auth/logout',
          'POST',
          '/api/v1/auth/logout',
          tokens.pop()!,
        );
        expectUnavailable(out, 'postgres', PG_BOUND);
        expectNotReady(await timed('postgres frozen', 'GET /readyz', 'GET', '/readyz'), 'postgres', 'redis');
      }
    } finally {
      pgServer.thaw();
    }
    await recover('postgres frozen', healthy);
  });

  it('Postgres stopped during a running secrets.reencrypt operation: the operation ends, it does not stay running', async () => {
    // 4,000 credentials sealed under the old (development) key: enough work to stop Postgres in the middle.
    const box = new SecretBox({ encryption: { keys: DEV_ENCRYPTION_KEYS } } as AppConfig);
    const ids = Array.from({ length: 4000 }, () => randomUUID());
    const sealed = ids.map((id) =>
      box.seal(JSON.stringify({ access_key_secret: `s-${id}` }), `credentials:${id}`),
    );
    const direct = new pg.Client({ connectionString: pgServer.url() });
    direct.on('error', () => undefined);
    await direct.connect();
    await direct.query(
      `INSERT INTO credentials (id, name, provider, secret_sealed) SELECT u, 'fault-' || u::text, 'ack', s FROM unnest($1::uuid[], $2::text[]) AS x(u, s)`,
      [ids, sealed],
    );
    await direct.end();

    const started = await timed(
      'operation',
      'POST /secrets/reencrypt',
      'POST',
      '/api/v1/secrets/reencrypt',
      admin,
    );
    expect(started.status).toBe(202);
    const id = started.body.data.id as string;
    await eventually(
      async () => {
        const op = (await t.api('GET', `/api/v1/operations/${id}`, { token: admin })).body.data;
        return op.status === 'running' && op.progress > 0;
      },
      20_000,
      20,
    );
    const stoppedAt = performance.now();
    await pgServer.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await pgServer.start();
    const op = await eventually(
      async () => {
        const res = await t.api('GET', `/api/v1/operations/${id}`, { token: admin });
        return res.status === 200 && ['succeeded', 'failed'].includes(res.body.data.status) && res.body.data;
      },
      45_000,
      100,
    );
    recoveries.push({
      scenario: `operation interrupted by a Postgres stop (ended ${op.status})`,
      ms: Math.round(performance.now() - stoppedAt),
    });
    if (op.status === 'failed') expect(op.error?.message).toBeTruthy();
    else expect(op.result).toMatchObject({ active_key_id: 'k2' });
    const keys = await t.api('GET', '/api/v1/secrets/keys', { token: admin });
    if (op.status === 'succeeded') expect(keys.body.data.not_under_active_key).toBe(0);
    // It was interrupted indeed: its first run failed with Postgres and recovery ran it again.
    const { rows } = await t.sql
      .query<{ attempts: number }>('SELECT attempts FROM operations WHERE id = $1', [id])
      .catch(async () => {
        const c = new pg.Client({ connectionString: pgServer.url() });
        await c.connect();
        try {
          return await c.query<{ attempts: number }>('SELECT attempts FROM operations WHERE id = $1', [id]);
        } finally {
          await c.end();
        }
      });
    expect(rows[0].attempts).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('no lost audit rows: every mutating request that got a 2xx has its row', async () => {
    const done = mutations.filter((m) => m.status < 300);
    expect(done.length).toBeGreaterThan(0);
    const direct = new pg.Client({ connectionString: pgServer.url() });
    await direct.connect();
    try {
      const { rows } = await direct.query<{ request_id: string }>(
        'SELECT request_id FROM audit_logs WHERE request_id = ANY($1)',
        [done.map((m) => m.requestId)],
      );
      const found = new Set(rows.map((r) => r.request_id));
      expect(done.filter((m) => !found.has(m.requestId))).toEqual([]);
    } finally {
      await direct.end();
    }
    expect(mutations.filter((m) => m.status >= 500 && m.status !== 503)).toEqual([]);
  });
});
