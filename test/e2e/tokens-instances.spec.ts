// Revocation of an API token across Berth instances sharing Postgres and Redis. The other instances run
// as child processes (`node --import ./test/helpers/swc-register.mjs src/main.ts`, swc with decorator metadata): two Nest apps in one jest process would share
// passport's JWT strategy. B shares the Redis prefix (revocations announced by pub/sub), C has its own
// prefix, so it hears nothing and must see the revocation through its 1 s cache of Postgres alone.
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { databaseUrl } from '../helpers/db.js';
import { freePort } from '../helpers/own-services.js';
import { ADMIN_PASSWORD, deleteRedisPrefix, startTestApp, type TestApp } from '../helpers/test-app.js';

jest.setTimeout(120_000);

interface Instance {
  url: string;
  proc: ChildProcess;
  output: string[];
}

async function startInstance(t: TestApp, redisPrefix: string): Promise<Instance> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', './test/helpers/swc-register.mjs', 'src/main.ts'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl(t.dbName),
      BERTH_REDIS_PREFIX: redisPrefix,
      BERTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
      BERTH_WORKERS: 'false',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  proc.stdout!.on('data', (d) => output.push(String(d)));
  proc.stderr!.on('data', (d) => output.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 90_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`instance exited ${proc.exitCode}:\n${output.join('')}`);
    const ok = await fetch(`${url}/readyz`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return { url, proc, output };
    if (Date.now() > end) throw new Error(`instance did not become ready:\n${output.join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const status = (i: Instance, token: string) =>
  fetch(`${i.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

/** Polls until `token` is refused by `i`; answers the milliseconds since `since`. */
async function refusedAfter(i: Instance, token: string, since: number): Promise<number> {
  for (;;) {
    if ((await status(i, token)) === 401) return Date.now() - since;
    if (Date.now() - since > 5000) throw new Error('still accepted after 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('API token revocation across Berth instances (e2e, child processes)', () => {
  let t: TestApp & { redisPrefix: string };
  let b: Instance;
  let c: Instance;
  let admin: string;
  const cPrefix = `berth-test:tokc${process.pid}:`;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
    [b, c] = await Promise.all([startInstance(t, t.redisPrefix), startInstance(t, cPrefix)]);
  });
  afterAll(async () => {
    for (const i of [b, c]) i?.proc.kill('SIGTERM');
    await Promise.all(
      [b, c].map((i) => (i && i.proc.exitCode === null ? new Promise((r) => i.proc.once('exit', r)) : null)),
    );
    await deleteRedisPrefix(t.config.redis.url, cPrefix);
    await t?.close();
  });

  const create = async (name: string) => {
    const res = await t.api('POST', '/api/v1/tokens', {
      token: admin,
      body: { name, expires_at: new Date(Date.now() + 3600_000).toISOString(), grants: [{ role: 'view' }] },
    });
    expect(res.status).toBe(201);
    return res.body.data as { id: string; token: string };
  };

  it('a token revoked on one instance is refused by every instance within a second', async () => {
    const figures: Record<string, number> = {};
    for (let round = 0; round < 3; round++) {
      const tok = await create(`multi-${round}`);
      // Both instances accept it and hold it in their cache.
      expect(await status(b, tok.token)).toBe(200);
      expect(await status(c, tok.token)).toBe(200);
      const before = Date.now();
      expect((await t.api('DELETE', `/api/v1/tokens/${tok.id}`, { token: admin })).status).toBe(200);
      const [onB, onC] = await Promise.all([
        refusedAfter(b, tok.token, before),
        refusedAfter(c, tok.token, before),
      ]);
      figures[`b${round}`] = onB;
      figures[`c${round}`] = onC;
      expect(onB).toBeLessThan(1000);
      expect(onC).toBeLessThan(1000 + 250); // cache TTL + one Postgres read and a request on a loaded machine
    }
    // With pub/sub the instance sharing Redis hears of it at once.
    expect(Math.min(figures.b0, figures.b1, figures.b2)).toBeLessThan(300);
    console.log(`revocation seen after (ms): ${JSON.stringify(figures)}`);
  });

  it('a rotated token’s old secret stops on every instance; the new one works there', async () => {
    const tok = await create('rotate-multi');
    expect(await status(b, tok.token)).toBe(200);
    expect(await status(c, tok.token)).toBe(200);
    const before = Date.now();
    const rotated = await t.api('POST', `/api/v1/tokens/${tok.id}/rotate`, { token: admin });
    expect(rotated.status).toBe(200);
    expect(await refusedAfter(b, tok.token, before)).toBeLessThan(1000);
    expect(await refusedAfter(c, tok.token, before)).toBeLessThan(1250);
    expect(await status(b, rotated.body.data.token)).toBe(200);
    expect(await status(c, rotated.body.data.token)).toBe(200);
  });
});
