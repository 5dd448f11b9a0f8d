import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { ClustersService } from '../../src/clusters/clusters.service.js';
import { SecretBox } from '../../src/common/crypto/secret-box.js';
import type { ClusterAccess } from '../../src/kube/client/cluster-access.js';
import { ClusterClientPool } from '../../src/kube/client/cluster-client.pool.js';
import { importCluster, kubeconfigOf, kubeconfigWith, testbed } from '../helpers/clusters.js';
import { eventually, startTestApp, type TestApp } from '../helpers/test-app.js';
import type { TestbedCluster } from '../testbed/state.js';

const NS = `kh-${randomBytes(3).toString('hex')}`;
const NS_CONCURRENT = `${NS}-c`;
const CONFIGMAPS = 120;
/** The cluster timeout of the concurrency test: ample for one list call, less than waiting behind 64 of them. */
// The cluster deadline of the concurrency test: the link holds bodies for twice it, so the 36 calls past
// the 64 connections wait longer than the deadline, while each call has ample slack on a loaded machine.
const TIGHT_TIMEOUT_MS = 4000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A TCP relay to a cluster that passes each answer's first bytes (TLS handshake flights, the response
 * head) at once and holds the rest of the answer back until `delayMs` (settable) after its request was sent.
 */
function slowBodyProxy(host: string, port: number): Promise<Server & { delayMs: number }> {
  const server = Object.assign(
    createServer((client) => {
      const upstream = connect(port, host);
      let passed = 0;
      let releaseAt = 0;
      client.on('data', (c) => {
        passed = 0;
        releaseAt = Date.now() + server.delayMs;
        upstream.write(c);
      });
      upstream.on('data', (c) => {
        if (passed < 8192) {
          passed += c.length;
          client.write(c);
          return;
        }
        const wait = releaseAt - Date.now();
        if (wait <= 0) return void client.write(c);
        upstream.pause();
        setTimeout(() => {
          client.write(c);
          upstream.resume();
        }, wait);
      });
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
    }),
    { delayMs: 0 },
  );
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

type AbortPoint = 'before-head' | 'at-head' | 'in-body';

/**
 * A client that hangs up: before Berth answers (after `delayMs`), right after the answer's head, or
 * after the first bytes of its body. Resolves once the connection is gone.
 */
function abandon(t: TestApp, token: string, path: string, point: AbortPoint, delayMs = 0): Promise<string> {
  return new Promise((resolve) => {
    let seen = 'nothing';
    const req = httpRequest(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      seen = `head ${res.statusCode}`;
      if (point === 'at-head') return void req.destroy();
      res.once('data', () => {
        seen = `body ${res.statusCode}`;
        req.destroy();
      });
      res.on('end', () => (seen = `complete ${res.statusCode}`));
      res.on('error', () => undefined);
    });
    req.on('error', () => undefined);
    req.on('close', () => resolve(seen));
    if (point === 'before-head') setTimeout(() => req.destroy(), delayMs);
    req.end();
  });
}

function manifest(n: number, ns = NS): string {
  const filler = 'x'.repeat(4000);
  const docs = [`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}`];
  for (let i = 0; i < n; i++)
    docs.push(
      `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${String(i).padStart(3, '0')}, namespace: ${ns}, labels: {app: kh}}\ndata: {filler: ${filler}}`,
    );
  return docs.join('\n---\n');
}

describe('kube client: abandoned requests release their upstream connections (e2e, real testbed cluster)', () => {
  let t: TestApp;
  let admin: string;
  let tb: TestbedCluster[];
  let id: string;
  let pool: ClusterClientPool;

  beforeAll(async () => {
    tb = testbed();
    t = await startTestApp();
    admin = await t.login();
    id = await importCluster(t, admin, tb[0], 'leak-alpha');
    pool = t.app.get(ClusterClientPool);
    // Lists big enough to flow through Berth in many chunks (≈ 120 × 4 kB).
    const applied = await t.api('POST', `/api/v1/clusters/${id}/apply`, {
      token: admin,
      body: { manifest: manifest(CONFIGMAPS) },
    });
    expect(applied.status).toBe(200);
  });
  afterAll(async () => {
    await t
      .api('DELETE', `/api/v1/clusters/${id}/resources/namespaces/${NS}`, { token: admin })
      .catch(() => undefined);
    await t.close();
  });

  const busyAfterwards = async () => {
    // Nothing may stay checked out once the clients are gone (in-flight calls get a moment to settle).
    return eventually(
      async () => {
        const s = await pool.sockets(id);
        return s && s.busy === 0 && s.queued === 0 ? s : null;
      },
      15_000,
      200,
    ).catch(async () => pool.sockets(id));
  };

  it('clients hanging up before the head, at the head, inside the body and after an error leave no busy socket', async () => {
    const list = `/api/v1/clusters/${id}/resources/configmaps?namespace=${NS}&page_size=${CONFIGMAPS}`;
    const small = `/api/v1/clusters/${id}/resources/configmaps?namespace=${NS}&page_size=5`;
    // The API server refuses this selector (400): the error path of a streamed list.
    const failing = `/api/v1/clusters/${id}/resources/configmaps?namespace=${NS}&label_selector=${encodeURIComponent('app in (kh')}`;
    expect((await t.api('GET', failing, { token: admin })).status).toBe(400);

    const outcomes: Record<string, number> = {};
    const rounds = 25; // 25 rounds × 8 abandoned requests = 200 > the agent's 64 sockets
    for (let round = 0; round < rounds; round++) {
      const delay = round % 12; // 0–11 ms: before Berth's answer, spread over its phases
      const seen = await Promise.all([
        abandon(t, admin, list, 'before-head', delay),
        abandon(t, admin, small, 'before-head', delay * 2),
        abandon(t, admin, list, 'at-head'),
        abandon(t, admin, list, 'in-body'),
        abandon(t, admin, small, 'at-head'),
        abandon(t, admin, failing, 'before-head', delay),
        abandon(t, admin, failing, 'at-head'),
        abandon(t, admin, failing, 'in-body'),
      ]);
      for (const s of seen) outcomes[s.split(' ')[0]] = (outcomes[s.split(' ')[0]] ?? 0) + 1;
    }
    // The points were really hit (some hang-ups came before any answer, some inside a body).
    expect(outcomes.nothing).toBeGreaterThan(0);
    expect(outcomes.body).toBeGreaterThan(0);

    const sockets = await busyAfterwards();
    expect(sockets).toMatchObject({ busy: 0, queued: 0 });

    // And the cluster still answers, in full.
    const res = await t.api('GET', list, { token: admin });
    expect(res.status).toBe(200);
    expect(res.body.data.data).toHaveLength(CONFIGMAPS);
    const health = await t.api('GET', `/api/v1/clusters/${id}/health`, { token: admin });
    expect(health.body.data).toMatchObject({ status: 'active', error: null });
  });

  it('a client gone while a fleet list is read leaves no busy socket either', async () => {
    const path = `/api/v1/fleet/resources/configmaps?namespace=${NS}&clusters=${id}&page_size=100`;
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          abandon(t, admin, path, i % 2 ? 'at-head' : 'before-head', i * 2),
        ),
      );
    }
    expect(await busyAfterwards()).toMatchObject({ busy: 0, queued: 0 });
    expect((await t.api('GET', path, { token: admin })).status).toBe(200);
  });
});

describe('kube client: 100 concurrent clients of one cluster (e2e, real testbed cluster)', () => {
  // Its own app: Nest apps in one process share passport's strategies, so apps must not overlap.
  let t: TestApp;
  let admin: string;
  let tb: TestbedCluster[];
  let seedId: string;
  let proxy: Server & { delayMs: number };

  beforeAll(async () => {
    tb = testbed();
    t = await startTestApp({
      env: { BERTH_KUBE_TIMEOUT_MS: String(TIGHT_TIMEOUT_MS), BERTH_WORKERS: 'false' },
    });
    admin = await t.login();
    seedId = await importCluster(t, admin, tb[0], 'seed-alpha');
    const applied = await t.api('POST', `/api/v1/clusters/${seedId}/apply`, {
      token: admin,
      body: { manifest: manifest(CONFIGMAPS, NS_CONCURRENT) },
    });
    expect(applied.status).toBe(200);
  });
  afterAll(async () => {
    await t
      .api('DELETE', `/api/v1/clusters/${seedId}/resources/namespaces/${NS_CONCURRENT}`, { token: admin })
      .catch(() => undefined);
    proxy?.close();
    await t.close();
  });

  it('all get their page: waiting for a free connection is not the cluster timing out', async () => {
    // The cluster behind a link that holds each answer's body back (its head passes at once): every call
    // keeps its connection ~8 s, so 64 calls fill the agent and the other 36 wait ~8 s for a connection.
    // The cluster timeout (4 s) bounds the cluster's own answer — not that wait. (Generous: in the full
    // suite another spec may load the same API server while the heads are on their way.)
    const target = new URL(tb[0].server);
    proxy = await slowBodyProxy(target.hostname, Number(target.port));
    const server = `https://${target.hostname}:${(proxy.address() as AddressInfo).port}`;
    const imported = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'slow-link', server, token: tb[0].token, ca_data: tb[0].ca_data },
    });
    expect(imported.status).toBe(201);
    proxy.delayMs = 2 * TIGHT_TIMEOUT_MS; // the import's probe went through undelayed
    await hundredClients(t, admin, imported.body.data.id as string);
  });

  const hundredClients = async (app: TestApp, token: string, clusterId: string) => {
    const path = `/api/v1/clusters/${clusterId}/resources/configmaps?namespace=${NS_CONCURRENT}&page_size=${CONFIGMAPS}`;
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const t0 = performance.now();
        const res = await fetch(`${app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { code: number; message: string; data: { data?: unknown[] } };
        return {
          status: res.status,
          code: body.code,
          message: body.message,
          items: body.data?.data?.length ?? 0,
          ms: performance.now() - t0,
        };
      }),
    );
    const took = Math.round(performance.now() - started);
    const failed = results.filter((r) => r.status !== 200);
    expect({ failed: failed.slice(0, 3), count: failed.length }).toEqual({ failed: [], count: 0 });
    expect(results.every((r) => r.items === CONFIGMAPS)).toBe(true);
    console.log(
      `100 concurrent lists of ${CONFIGMAPS} configmaps: all 200 in ${took} ms (slowest ${Math.round(Math.max(...results.map((r) => r.ms)))} ms)`,
    );
    const appPool = app.app.get(ClusterClientPool);
    const sockets = await eventually(async () => {
      const c = await appPool.sockets(clusterId);
      return c && c.busy === 0 ? c : null;
    }, 5000).catch(() => appPool.sockets(clusterId));
    expect(sockets).toMatchObject({ busy: 0, queued: 0 });
  };
});

/** base64 of text, as kubeconfig *-data fields carry it. */
const b64 = (s: string) => Buffer.from(s).toString('base64');

function certKubeconfig(c: TestbedCluster, certData: string, keyData: string): string {
  return kubeconfigWith(c, `    client-certificate-data: ${certData}\n    client-key-data: ${keyData}`);
}

function tokenKubeconfig(c: TestbedCluster, token: string): string {
  return kubeconfigOf(c).replace(/token: .*/, `token: ${JSON.stringify(token)}`);
}

describe('crash safety: poisoned tokens and certificates (e2e, real testbed clusters)', () => {
  let t: TestApp & { redisPrefix: string };
  let admin: string;
  let tb: TestbedCluster[];
  let good: string;

  beforeAll(async () => {
    tb = testbed();
    t = await startTestApp({ env: { BERTH_KUBE_TIMEOUT_MS: '3000' } });
    admin = await t.login();
    good = await importCluster(t, admin, tb[0], 'safe-alpha');
  });
  afterAll(async () => {
    await t.close();
  });

  const importToken = (name: string, token: string, extra: Record<string, unknown> = {}) =>
    t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name, server: tb[1].server, ca_data: tb[1].ca_data, token, ...extra },
    });
  const fieldOf = (body: { data?: { field?: string; fields?: { field: string }[] } }) =>
    body.data?.field ?? body.data?.fields?.map((f) => f.field).join(',');

  it('refuses tokens that cannot be sent as a header with a 422 naming the field (even with force), and accepts a trailing newline', async () => {
    for (const [why, token] of [
      ['line break inside', `${tb[1].token.slice(0, 10)}\n${tb[1].token.slice(10)}`],
      ['carriage return inside', `${tb[1].token.slice(0, 10)}\r${tb[1].token.slice(10)}`],
      ['non-Latin-1 character', `${tb[1].token}\u4e2d`],
    ]) {
      for (const force of [false, true]) {
        const res = await importToken(`bad-${randomBytes(3).toString('hex')}`, token, { force });
        expect({ why, force, status: res.status, field: fieldOf(res.body) }).toEqual({
          why,
          force,
          status: 422,
          field: 'token',
        });
        expect(res.body.message).toMatch(/^token /);
      }
    }
    // A NUL byte is refused too (a 400 from a generic NUL check or this 422, both naming the field).
    const nul = await importToken('bad-nul', `${tb[1].token.slice(0, 5)}\u0000${tb[1].token.slice(5)}`, {
      force: true,
    });
    expect([400, 422]).toContain(nul.status);
    expect(fieldOf(nul.body)).toContain('token');
    expect(
      (await t.sql.query("SELECT count(*)::int AS n FROM clusters WHERE name LIKE 'bad-%'")).rows[0].n,
    ).toBe(0);

    // The token as a terminal copies it, with its newline: trimmed and working.
    const pasted = await importToken('pasted', `${tb[1].token}\n`);
    expect(pasted.status).toBe(201);
    expect(pasted.body.data).toMatchObject({ status: 'active', last_error: null });
    expect(
      (await t.api('GET', `/api/v1/clusters/${pasted.body.data.id}/resources/namespaces`, { token: admin }))
        .status,
    ).toBe(200);

    // PATCH checks the same way.
    const patched = await t.api('PATCH', `/api/v1/clusters/${pasted.body.data.id}`, {
      token: admin,
      body: { server: tb[1].server, token: 'abc\ndef', force: true },
    });
    expect(patched.status).toBe(422);
    expect(fieldOf(patched.body)).toBe('token');
  });

  it('refuses kubeconfigs whose token or client certificate / key is unusable, naming the field', async () => {
    const cases: [string, string, string][] = [
      [
        'token with a line break',
        tokenKubeconfig(tb[2], 'abc\ndef'),
        `users[${tb[2].name}-admin].user.token`,
      ],
      [
        'non-PEM client-certificate-data',
        certKubeconfig(tb[2], b64('not a certificate'), b64('not a key')),
        'users[u].user.client-certificate-data',
      ],
      [
        'PEM-looking garbage certificate',
        certKubeconfig(
          tb[2],
          b64('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
          b64('x'),
        ),
        'users[u].user.client-',
      ],
    ];
    for (const [why, kubeconfig, field] of cases) {
      const res = await t.api('POST', '/api/v1/clusters/import', {
        token: admin,
        body: { name: `kc-${randomBytes(3).toString('hex')}`, kubeconfig, force: true },
      });
      expect({ why, status: res.status }).toEqual({ why, status: 422 });
      expect(fieldOf(res.body)).toContain(field);
      const patched = await t.api('PATCH', `/api/v1/clusters/${good}`, {
        token: admin,
        body: { kubeconfig, force: true },
      });
      expect({ why, status: patched.status }).toEqual({ why, status: 422 });
    }
    // The good cluster kept its working credential.
    expect((await t.api('GET', `/api/v1/clusters/${good}/health`, { token: admin })).body.data).toMatchObject(
      { status: 'active' },
    );
  });

  it('a poisoned record stored earlier fails alone: the sweep, fleet lists and its health report it; the process lives; a restart boots and serves', async () => {
    const box = t.app.get(SecretBox);
    const poisoned: Record<string, ClusterAccess> = {
      'poison-token-lf': {
        server: tb[1].server,
        ca_data: tb[1].ca_data,
        auth: { type: 'token', token: `${tb[1].token}\n` },
      },
      'poison-token-nul': {
        server: tb[1].server,
        ca_data: tb[1].ca_data,
        auth: { type: 'token', token: `abc\u0000def` },
      },
      'poison-token-cjk': {
        server: tb[1].server,
        ca_data: tb[1].ca_data,
        auth: { type: 'token', token: `abc\u4e2ddef` },
      },
      'poison-cert': {
        server: tb[1].server,
        ca_data: tb[1].ca_data,
        auth: { type: 'client-certificate', cert_data: b64('not pem'), key_data: b64('not pem') },
      },
    };
    const before = (await t.sql.query('SELECT count(*)::int AS n FROM clusters')).rows[0].n as number;
    const ids: string[] = [];
    for (const [name, access] of Object.entries(poisoned)) {
      const pid = randomUUID();
      ids.push(pid);
      await t.sql.query(
        `INSERT INTO clusters (id, name, provider, status, labels, server, access_sealed, auth_type, last_probed_at)
         VALUES ($1, $2, 'imported', 'active', '{}', $3, $4, $5, now())`,
        [pid, name, access.server, box.sealJson(access, `clusters:${pid}`), access.auth.type],
      );
    }

    // The sweep: every cluster probed, the poisoned ones unavailable with a reason, the good one active.
    const swept = await t.app.get(ClustersService).probeAll(0);
    expect(swept).toEqual({ probed: before + ids.length, active: before });
    const rows = (
      await t.sql.query('SELECT name, status, last_error FROM clusters WHERE id = ANY($1)', [ids])
    ).rows as { name: string; status: string; last_error: string }[];
    for (const r of rows) {
      expect(r.status).toBe('unavailable');
      expect(r.last_error).toMatch(/token|client-certificate-data/);
    }

    // Health of one poisoned record: answered, with the reason.
    for (const pid of ids) {
      const health = await t.api('GET', `/api/v1/clusters/${pid}/health`, { token: admin });
      expect(health.status).toBe(200);
      expect(health.body.data).toMatchObject({
        status: 'unavailable',
        error: { message: expect.stringMatching(/token|client-certificate-data/) },
      });
    }
    // Live reads of it: a clear error, not a crash. A fleet list: partial success, reported per cluster.
    const live = await t.api('GET', `/api/v1/clusters/${ids[0]}/resources/namespaces`, { token: admin });
    expect(live.status).toBe(422);
    expect(live.body.data).toMatchObject({ field: 'token' });
    const fleet = await t.api(
      'GET',
      `/api/v1/fleet/resources/namespaces?clusters=${[good, ...ids].join(',')}`,
      { token: admin },
    );
    expect(fleet.status).toBe(200);
    const byId = new Map(
      (fleet.body.data.clusters as { cluster_id: string; status: string }[]).map((c) => [
        c.cluster_id,
        c.status,
      ]),
    );
    expect(byId.get(good)).toBe('ok');
    for (const pid of ids) expect(byId.get(pid)).toBe('error');
    const summary = await t.api('GET', '/api/v1/fleet/summary', { token: admin });
    expect(summary.status).toBe(200);

    // Past the client timeout (3 s): no late timer fires on a request that never started.
    await sleep(3500);
    expect(
      (await t.api('GET', `/api/v1/clusters/${good}/resources/namespaces`, { token: admin })).status,
    ).toBe(200);

    // Restart on the same database: the boot (and its first sweeps) meet the poisoned records and serve on.
    await t.close({ keepDatabase: true });
    t = await startTestApp({
      dbName: t.dbName,
      redisPrefix: t.redisPrefix,
      env: { BERTH_KUBE_TIMEOUT_MS: '3000', BERTH_PROBE_INTERVAL_SECONDS: '5' },
    });
    admin = await t.login();
    await t.sql.query("UPDATE clusters SET last_probed_at = now() - interval '1 hour'");
    await eventually(
      async () => {
        const r = (
          await t.sql.query(
            "SELECT count(*)::int AS n FROM clusters WHERE last_probed_at > now() - interval '30 seconds'",
          )
        ).rows[0].n as number;
        return r === before + ids.length;
      },
      25_000,
      250,
    );
    await sleep(3500);
    expect((await t.api('GET', '/api/v1/clusters', { token: admin })).status).toBe(200);
    expect(
      (await t.api('GET', `/api/v1/clusters/${good}/resources/namespaces`, { token: admin })).status,
    ).toBe(200);
    const after = (await t.sql.query('SELECT name, status FROM clusters')).rows as {
      name: string;
      status: string;
    }[];
    expect(after.find((r) => r.name === 'safe-alpha')?.status).toBe('active');
    expect(after.filter((r) => r.name.startsWith('poison-')).every((r) => r.status === 'unavailable')).toBe(
      true,
    );
  });
});
