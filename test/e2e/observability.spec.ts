// Issue 15 item 7: Prometheus metrics after real traffic (testbed clusters, an unreachable cluster, an
// operation, refused tokens), one log line per request with user / error code / message, operation state
// changes logged with the request id that started them, no framework chatter at info, and a scrape that
// stays bounded with Redis frozen.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { importCluster, testbed } from '../helpers/clusters.js';
import { OwnRedis } from '../helpers/own-services.js';
import { eventually, startTestApp, type TestApp, userToken } from '../helpers/test-app.js';

/** The samples of one metric: `name{labels} value` lines, labels parsed. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the sample whose labels include `labels`; undefined when there is none. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return samples(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

const parsed = (logs: string[]) =>
  logs.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, any>];
    } catch {
      return [];
    }
  });

describe('observability (e2e: metrics and logs after real traffic)', () => {
  let t: TestApp;
  let admin: string;
  let viewer: string;
  let alpha: string;
  let dead: string;
  let bootLogs: string[];

  beforeAll(async () => {
    t = await startTestApp();
    bootLogs = [...t.logs];
    admin = await t.login();
    viewer = await userToken(t, admin, 'obs-viewer', 'viewer');
    alpha = await importCluster(t, admin, testbed()[0], 'obs-alpha');
    const forced = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'obs-dead', server: 'https://127.0.0.1:1', token: 'x', force: true },
    });
    expect(forced.status).toBe(201);
    dead = forced.body.data.id;
  });
  afterAll(() => t.close());

  const scrape = async () => {
    const res = await t.api('GET', '/metrics');
    expect(res.status).toBe(200);
    return res.text;
  };

  it('boot logs at info hold no RoutesResolver / RouterExplorer / InstanceLoader lines', () => {
    expect(bootLogs.length).toBeGreaterThan(0);
    const contexts = parsed(bootLogs).map((l) => l.context);
    for (const noisy of ['RoutesResolver', 'RouterExplorer', 'InstanceLoader', 'NestFactory'])
      expect(contexts).not.toContain(noisy);
    // What remains at info says the app started.
    expect(bootLogs.join('\n')).toContain('Nest application successfully started');
  });

  it('counts Kubernetes calls per cluster: answers by status class, failures by error class, with latency', async () => {
    const before = await scrape();
    const okBefore = value(before, 'berth_kube_requests_total', { cluster_id: alpha, class: '2xx' }) ?? 0;
    const countBefore =
      value(before, 'berth_kube_request_duration_seconds_count', { cluster_id: alpha }) ?? 0;
    const deadBefore =
      value(before, 'berth_kube_requests_total', { cluster_id: dead, class: 'unreachable' }) ?? 0;

    const list = await t.api('GET', `/api/v1/clusters/${alpha}/namespaces`, { token: viewer });
    expect(list.status).toBe(200);
    const missing = await t.api('GET', `/api/v1/clusters/${alpha}/namespaces/default/pods/obs-no-such-pod`, {
      token: viewer,
    });
    expect(missing.status).toBe(404);
    const down = await t.api('GET', `/api/v1/clusters/${dead}/namespaces`, { token: viewer });
    expect(down.status).toBe(503);
    expect(down.body.code).toBe(50301);

    const after = await scrape();
    expect(value(after, 'berth_kube_requests_total', { cluster_id: alpha, class: '2xx' })).toBeGreaterThan(
      okBefore,
    );
    expect(
      value(after, 'berth_kube_requests_total', { cluster_id: alpha, class: '4xx' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(after, 'berth_kube_request_duration_seconds_count', { cluster_id: alpha }),
    ).toBeGreaterThanOrEqual(countBefore + 2);
    expect(
      value(after, 'berth_kube_requests_total', { cluster_id: dead, class: 'unreachable' }),
    ).toBeGreaterThan(deadBefore);
    // Only two label sets per cluster: no path, no pod name.
    for (const s of samples(after, 'berth_kube_requests_total'))
      expect(Object.keys(s.labels).sort()).toEqual(['class', 'cluster_id']);
  });

  it('reports each cluster status from the records, and drops a deleted cluster from every per-cluster series', async () => {
    const text = await scrape();
    expect(
      value(text, 'berth_cluster_status', { cluster_id: alpha, cluster_name: 'obs-alpha', status: 'active' }),
    ).toBe(1);
    expect(
      value(text, 'berth_cluster_status', {
        cluster_id: dead,
        cluster_name: 'obs-dead',
        status: 'unavailable',
      }),
    ).toBe(1);
    expect(samples(text, 'berth_cluster_status').filter((s) => s.labels.cluster_id === dead)).toHaveLength(1);
    expect(text).toContain(`cluster_id="${dead}"`);

    expect((await t.api('DELETE', `/api/v1/clusters/${dead}`, { token: admin })).status).toBe(200);
    const after = await scrape();
    expect(after).not.toContain(`cluster_id="${dead}"`);
    expect(after).toContain(`cluster_id="${alpha}"`);
  });

  it('counts refused token and grant checks by reason', async () => {
    const before = await scrape();
    const count = (text: string, reason: string) => value(text, 'berth_auth_refusals_total', { reason }) ?? 0;

    expect((await t.api('GET', '/api/v1/auth/me')).status).toBe(401); // missing
    expect((await t.api('GET', '/api/v1/auth/me', { token: 'not.a.jwt' })).status).toBe(401); // invalid
    const expired = jwt.sign(
      {
        sub: randomUUID(),
        username: 'admin',
        role: 'admin',
        jti: randomUUID(),
        auth_time: Math.floor(Date.now() / 1000) - 7200,
        exp: Math.floor(Date.now() / 1000) - 60,
      },
      t.config.auth.jwt_secret,
      { algorithm: 'HS256', issuer: 'berth' },
    );
    const exp = await t.api('GET', '/api/v1/auth/me', { token: expired });
    expect(exp.status).toBe(401);
    expect(exp.body.message).toContain('expired');
    const spent = await t.login();
    expect((await t.api('POST', '/api/v1/auth/logout', { token: spent })).status).toBe(200);
    const revoked = await t.api('GET', '/api/v1/auth/me', { token: spent });
    expect(revoked.body.code).toBe(40102);
    expect((await t.api('GET', '/api/v1/users', { token: viewer })).status).toBe(403); // forbidden

    const after = await scrape();
    for (const reason of ['missing', 'invalid', 'expired', 'revoked', 'forbidden'])
      expect({ reason, n: count(after, reason) - count(before, reason) }).toEqual({ reason, n: 1 });
  });

  it('logs one line per request; a failed one carries the user, the error code and message', async () => {
    const failedId = `obs-failed-${randomUUID()}`;
    const res = await t.api('GET', '/api/v1/users', { token: viewer, headers: { 'x-request-id': failedId } });
    expect(res.status).toBe(403);
    const okId = `obs-ok-${randomUUID()}`;
    expect(
      (await t.api('GET', '/api/v1/auth/me', { token: viewer, headers: { 'x-request-id': okId } })).status,
    ).toBe(200);
    const lines = await eventually(async () => {
      const l = parsed(t.logs).filter((x) => x.reqId === failedId || x.reqId === okId);
      return l.length >= 2 && l;
    });
    const failed = lines.filter((l) => l.reqId === failedId);
    expect(failed).toHaveLength(1); // no "incoming request" + "request completed" pair
    expect(failed[0]).toMatchObject({
      msg: 'request completed',
      method: 'GET',
      route: '/api/v1/users',
      status: 403,
      user: { username: 'obs-viewer' },
      error_code: 40300,
      error_message: res.body.message,
    });
    expect(typeof failed[0].duration_ms).toBe('number');
    const ok = lines.filter((l) => l.reqId === okId);
    expect(ok).toHaveLength(1);
    expect(ok[0]).toMatchObject({ status: 200, user: { username: 'obs-viewer' } });
    expect(ok[0]).not.toHaveProperty('error_code');

    // A refused login: no user yet, the name it tried.
    const loginId = `obs-login-${randomUUID()}`;
    const refused = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'obs-viewer', password: 'wrong-password-123' },
      headers: { 'x-request-id': loginId },
    });
    expect(refused.status).toBe(401);
    expect(await eventually(async () => parsed(t.logs).find((l) => l.reqId === loginId))).toMatchObject({
      status: 401,
      user: { id: null, username: 'obs-viewer' },
      error_code: 40101,
      error_message: refused.body.message,
    });

    // The unreachable cluster's 503: the user and Berth's code and message.
    const downId = `obs-down-${randomUUID()}`;
    const forced = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'obs-dead-2', server: 'https://127.0.0.1:1', token: 'x', force: true },
    });
    const down = await t.api('GET', `/api/v1/clusters/${forced.body.data.id}/namespaces`, {
      token: admin,
      headers: { 'x-request-id': downId },
    });
    expect(down.status).toBe(503);
    const line = await eventually(async () => parsed(t.logs).find((l) => l.reqId === downId));
    expect(line).toMatchObject({
      status: 503,
      user: { username: 'admin' },
      error_code: 50301,
      error_message: 'Cluster obs-dead-2 is unreachable',
    });
  });

  it('counts operations by type and outcome, and logs each state change with the request id that started it', async () => {
    const requestId = `obs-reencrypt-${randomUUID()}`;
    const started = await t.api('POST', '/api/v1/secrets/reencrypt', {
      token: admin,
      headers: { 'x-request-id': requestId },
    });
    expect(started.status).toBe(202);
    const id = started.body.data.id;
    await eventually(
      async () =>
        (await t.api('GET', `/api/v1/operations/${id}`, { token: admin })).body.data.status === 'succeeded',
      15_000,
    );
    const stored = await t.sql.query('SELECT request_id FROM operations WHERE id = $1', [id]);
    expect(stored.rows[0].request_id).toBe(requestId);
    const states = await eventually(async () => {
      const l = parsed(t.logs).filter((x) => x.operation_id === id);
      return l.some((x) => x.state === 'succeeded') && l;
    });
    expect(states.map((l) => l.state)).toEqual(['queued', 'running', 'succeeded']);
    for (const l of states) expect(l).toMatchObject({ request_id: requestId, type: 'secrets.reencrypt' });

    const text = await scrape();
    expect(value(text, 'berth_operations_total', { type: 'secrets.reencrypt', outcome: 'succeeded' })).toBe(
      1,
    );
    expect(
      value(text, 'berth_operation_duration_seconds_count', {
        type: 'secrets.reencrypt',
        outcome: 'succeeded',
      }),
    ).toBe(1);
    expect(value(text, 'berth_operations_unfinished', { status: 'queued' })).toBe(0);
    expect(value(text, 'berth_operations_unfinished', { status: 'running' })).toBe(0);
    expect(value(text, 'berth_operation_oldest_queued_age_seconds')).toBe(0);
    expect(value(text, 'berth_operation_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(value(text, 'berth_dependency_up', { dependency: 'postgres' })).toBe(1);
    expect(value(text, 'berth_dependency_up', { dependency: 'redis' })).toBe(1);
  });

  it('shows a queued operation and its age while no worker takes it', async () => {
    // An API-only instance on the same database and Redis: nothing runs what it queues.
    const api = await startTestApp({
      dbName: t.dbName,
      redisPrefix: `${(t as TestApp & { redisPrefix: string }).redisPrefix}api-only:`,
      env: { BERTH_WORKERS: 'false' },
    });
    try {
      const token = await api.login();
      const op = await api.api('POST', '/api/v1/secrets/reencrypt', { token });
      expect(op.status).toBe(202);
      await api.sql.query(`UPDATE operations SET created_at = now() - interval '90 seconds' WHERE id = $1`, [
        op.body.data.id,
      ]);
      const res = await api.api('GET', '/metrics');
      expect(value(res.text, 'berth_operations_unfinished', { status: 'queued' })).toBe(1);
      expect(value(res.text, 'berth_operation_oldest_queued_age_seconds')).toBeGreaterThanOrEqual(90);
      expect(value(res.text, 'berth_operation_queue_jobs', { state: 'waiting' })).toBe(1);
      await api.sql.query(`UPDATE operations SET status = 'failed' WHERE id = $1`, [op.body.data.id]);
    } finally {
      await api.close({ keepDatabase: true });
    }
  });
});

describe('observability: a scrape with Redis frozen', () => {
  let redis: OwnRedis;
  let t: TestApp;

  beforeAll(async () => {
    redis = await OwnRedis.create();
    t = await startTestApp({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    redis.thaw();
    await t.close();
    await redis.destroy();
  });

  it('answers within the bound, reports Redis down and what it can read from Postgres', async () => {
    redis.freeze();
    try {
      const started = performance.now();
      const res = await t.api('GET', '/metrics');
      const ms = performance.now() - started;
      expect(res.status).toBe(200);
      expect(ms).toBeLessThan(2000);
      expect(value(res.text, 'berth_dependency_up', { dependency: 'redis' })).toBe(0);
      expect(value(res.text, 'berth_dependency_up', { dependency: 'postgres' })).toBe(1);
      expect(value(res.text, 'berth_operations_unfinished', { status: 'queued' })).toBe(0);
      expect(samples(res.text, 'berth_operation_queue_jobs')).toEqual([]);
    } finally {
      redis.thaw();
    }
    const back = await eventually(async () => {
      const res = await t.api('GET', '/metrics');
      return value(res.text, 'berth_dependency_up', { dependency: 'redis' }) === 1 && res;
    });
    expect(value(back.text, 'berth_operation_queue_jobs', { state: 'waiting' })).toBe(0);
  });
});
