import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.factory.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { loadConfig } from '../../src/config/load-config.js';
import { ADMIN_PASSWORD, deleteRedisPrefix, eventually } from '../helpers/test-app.js';

const BIN = '/usr/lib/postgresql/15/bin';

/** A Postgres cluster of this test's own (initdb + pg_ctl on a free port, as user postgres), never the shared one. */
class OwnPostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'berth-pg-'));
  readonly data = join(this.dir, 'data');

  constructor(readonly port: number) {
    chownSync(this.dir, 101, 104);
  }

  get url() {
    return `postgres://postgres@127.0.0.1:${this.port}/berth`;
  }

  private pg(cmd: string, args: string[]) {
    try {
      execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args], {
        stdio: 'pipe',
        timeout: 60_000,
      });
    } catch (e) {
      let log = '';
      try {
        log = readFileSync(join(this.dir, 'log'), 'utf8').split('\n').slice(-15).join('\n');
      } catch {
        /* no log yet */
      }
      throw new Error(
        `${cmd} ${args.at(-1)} failed: ${(e as { stderr?: Buffer }).stderr?.toString() ?? (e as Error).message}\n${log}`,
      );
    }
  }

  init() {
    this.pg('initdb', ['-D', this.data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  }

  start() {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    this.pg('pg_ctl', ['-D', this.data, '-o', opts, '-w', '-l', join(this.dir, 'log'), 'start']);
  }

  stop() {
    try {
      this.pg('pg_ctl', ['-D', this.data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* not running */
    }
  }

  /** The postmaster and every process it forked (backends, checkpointer…): all of them, frozen or thawed. */
  private pids(): number[] {
    const main = Number(readFileSync(join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(main)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
    return [main, ...children];
  }

  signal(sig: 'SIGSTOP' | 'SIGCONT') {
    for (const pid of this.pids()) process.kill(pid, sig);
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('authentication with Postgres frozen or stopped (fault, own Postgres cluster)', () => {
  let pg: OwnPostgres;
  let app: NestFastifyApplication;
  let config: AppConfig;
  let url: string;
  let admin: string;
  const prefix = `berth-test:${randomBytes(4).toString('hex')}:`;

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const start = Date.now();
    const res = await fetch(url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as { code: number; data: any };
    return {
      status: res.status,
      body: json,
      ms: Date.now() - start,
      requestId: res.headers.get('x-request-id'),
    };
  };

  beforeAll(async () => {
    pg = new OwnPostgres(await freePort());
    pg.init();
    pg.start();
    config = loadConfig({
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: pg.url,
      BERTH_REDIS_PREFIX: prefix,
      BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
      BERTH_WORKERS: 'false',
      LOG_LEVEL: 'fatal',
    });
    app = await createApp(config, { logDestination: new Writable({ write: (_c, _e, cb) => cb() }) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.getHttpServer().address() as net.AddressInfo).port}`;
    const login = await call('POST', '/api/v1/auth/login', undefined, {
      username: 'admin',
      password: ADMIN_PASSWORD,
    });
    expect(login.status).toBe(200);
    admin = login.body.data.access_token;
  }, 120_000);

  afterAll(async () => {
    try {
      pg?.signal('SIGCONT');
    } catch {
      /* stopped */
    }
    await app?.close();
    pg?.stop();
    pg?.cleanup();
    await deleteRedisPrefix(config.redis.url, prefix);
  }, 60_000);

  it('answers 503 within a bound while Postgres is frozen, then serves again when it thaws', async () => {
    expect((await call('GET', '/api/v1/auth/me', admin)).status).toBe(200);
    pg.signal('SIGSTOP');
    try {
      // Past the state cache's TTL, the guard must read Postgres again and cannot.
      await new Promise((r) => setTimeout(r, config.auth.state_cache_ms + 100));
      const frozen = await call('GET', '/api/v1/clusters', admin);
      const login = await call('POST', '/api/v1/auth/login', undefined, {
        username: 'admin',
        password: ADMIN_PASSWORD,
      });
      process.stdout.write(
        `Postgres frozen: GET /clusters ${frozen.status} in ${frozen.ms} ms, login ${login.status} in ${login.ms} ms\n`,
      );
      for (const res of [frozen, login]) {
        expect(res.status).toBe(503);
        expect(res.body).toMatchObject({ code: 50300, data: { dependency: 'postgres' } });
        expect(res.requestId).toEqual(expect.any(String));
      }
      // The guard gives up after AUTH_DEPENDENCY_TIMEOUT_MS (2.5 s). A login is a mutating request: its
      // audit row is written afterwards (today waiting up to the pool's 5 s acquire timeout), hence the looser bound.
      expect(frozen.ms).toBeLessThan(4000);
      expect(login.ms).toBeLessThan(9000);
    } finally {
      pg.signal('SIGCONT');
    }
    const thawed = Date.now();
    await eventually(async () => (await call('GET', '/api/v1/auth/me', admin)).status === 200, 20_000, 100);
    process.stdout.write(`Postgres thawed: served again after ${Date.now() - thawed} ms\n`);
  }, 60_000);

  it('answers 503 while Postgres is stopped, never "allow" from a stale verdict', async () => {
    pg.stop();
    await new Promise((r) => setTimeout(r, config.auth.state_cache_ms + 100));
    const down = await call('GET', '/api/v1/auth/me', admin);
    process.stdout.write(`Postgres stopped: GET /auth/me ${down.status} in ${down.ms} ms\n`);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ code: 50300, data: { dependency: 'postgres' } });
    expect(down.ms).toBeLessThan(4000);
    pg.start();
    const started = Date.now();
    await eventually(async () => (await call('GET', '/api/v1/auth/me', admin)).status === 200, 30_000, 200);
    process.stdout.write(`Postgres restarted: served again after ${Date.now() - started} ms\n`);
  }, 90_000);
});
