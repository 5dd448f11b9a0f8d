import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import { createApp } from '../../src/app.factory.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { contractFor, record } from './contract.js';
import { cloneTemplate, databaseUrl, dropDatabase } from './db.js';

export const ADMIN_PASSWORD = 'test-admin-password';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  config: AppConfig;
  dbName: string;
  /** A direct connection to this app's database, for asserting what is stored. */
  sql: pg.Client;
  /** Every log line the app wrote. */
  logs: string[];
  api<T = any>(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<ApiResponse<T>>;
  /**
   * Checks an answer against the OpenAPI document (api() does it for every answer it gets): for a
   * stream read with raw fetch, the status, documented headers and content type (pass no text).
   */
  checkContract(
    method: string,
    path: string,
    res: { status: number; headers: Headers },
    text?: string,
  ): Promise<void>;
  login(username?: string, password?: string): Promise<string>;
  close(opts?: { keepDatabase?: boolean }): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment (e.g. BERTH_ENCRYPTION_KEYS, BERTH_WORKERS). */
  env?: Record<string, string>;
  /** Reuse an existing database (e.g. a restart of an earlier app) instead of cloning a fresh one. */
  dbName?: string;
  /** Reuse a Redis prefix (same "cluster" of instances). */
  redisPrefix?: string;
  /**
   * An external database (e.g. a test's own Postgres cluster): used as it is — migrated by the app at boot,
   * never cloned from the template nor dropped at close.
   */
  databaseUrl?: string;
}

/** Boots the real Berth app on 127.0.0.1 with its own cloned database and Redis key prefix. */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp & { redisPrefix: string }> {
  const template = process.env.BERTH_TEST_TEMPLATE;
  if (!template) throw new Error('BERTH_TEST_TEMPLATE is not set: run the tests with `npm test`');
  const external = opts.databaseUrl;
  const dbName = external
    ? decodeURIComponent(new URL(external).pathname.slice(1))
    : (opts.dbName ?? `berth_test_${randomBytes(5).toString('hex')}`);
  if (!external && !opts.dbName) await cloneTemplate(dbName, template);
  const dbUrl = external ?? databaseUrl(dbName);
  const redisPrefix = opts.redisPrefix ?? `berth-test:${randomBytes(4).toString('hex')}:`;
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: dbUrl,
    BERTH_REDIS_PREFIX: redisPrefix,
    BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: 'info',
    ...opts.env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  const app = await createApp(config, { logDestination: sink });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  const sql = new pg.Client({ connectionString: dbUrl });
  // A test may stop or restart the database under the app: a dropped connection must not crash the run.
  sql.on('error', () => undefined);
  await sql.connect();

  // The document is the contract: every answer api() receives is validated against it.
  let contract: Promise<ReturnType<typeof contractFor>> | undefined;
  const loadContract = () =>
    (contract ??= fetch(`${url}/api/docs-json`).then(async (r) => {
      if (r.status !== 200) throw new Error(`GET /api/docs-json answered ${r.status}`);
      return contractFor(await r.text());
    }));
  // Built now, not inside the first api() a test times (Berth builds its document on the first request).
  await loadContract();

  const checkContract: TestApp['checkContract'] = async (method, path, res, text) => {
    const result = (await loadContract()).check(method, path, res.status, res.headers, text ?? '', {
      body: text !== undefined,
    });
    record(result, `${method} ${path} → ${res.status}`);
    if (result.violations.length)
      throw new Error(
        `the response does not match the OpenAPI document (${result.operation}):\n  ` +
          result.violations.join('\n  ') +
          `\nbody: ${(text ?? '(stream, not read)').slice(0, 2000)}`,
      );
  };

  const api: TestApp['api'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.body !== undefined) {
      body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    await checkContract(method, path, res, text);
    return { status: res.status, body: parsed as any, text, headers: res.headers };
  };

  const login = async (username = 'admin', password = ADMIN_PASSWORD) => {
    const res = await api('POST', '/api/v1/auth/login', { body: { username, password } });
    if (res.status !== 200) throw new Error(`login as ${username} failed: ${res.text}`);
    return res.body.data.access_token as string;
  };

  const close = async (o: { keepDatabase?: boolean } = {}) => {
    await sql.end().catch(() => undefined);
    await app.close();
    if (!o.keepDatabase) {
      if (!external) await dropDatabase(dbName);
      await deleteRedisPrefix(config.redis.url, redisPrefix);
    }
  };
  return { app, url, config, dbName, sql, logs, api, checkContract, login, close, redisPrefix };
}

export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Polls `fn` until it returns a truthy value or the time is up. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 10_000,
  stepMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Creates a user through the API and returns a token for it. */
export async function userToken(
  t: TestApp,
  adminToken: string,
  username: string,
  role: string,
): Promise<string> {
  const password = `pw-${username}-123456`;
  const res = await t.api('POST', '/api/v1/users', { token: adminToken, body: { username, password, role } });
  if (res.status !== 201) throw new Error(`could not create ${username}: ${res.text}`);
  return t.login(username, password);
}
