import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { ClusterClientPool } from '../../src/kube/client/cluster-client.pool.js';
import { importCluster, kubeconfigOf, testbed } from '../helpers/clusters.js';
import { SseClient, type SseEvent } from '../helpers/sse.js';
import { eventually, startTestApp, type TestApp, userToken } from '../helpers/test-app.js';
import type { TestbedCluster } from '../testbed/state.js';

const NS = `berth-watch-${randomBytes(3).toString('hex')}`;

/** A TCP proxy in front of a testbed API server that the test can cut (every connection reset) and bring back. */
class CuttableProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: URL) {}
  async open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      this.sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }
  async cut(): Promise<void> {
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
    if (this.server?.listening) await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

describe('watch streams (SSE, e2e, real testbed clusters)', () => {
  let t: TestApp;
  let admin: string;
  let tb: TestbedCluster[];
  const ids: string[] = [];
  const opened: SseClient[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  const cmPath = (id = ids[0]) => `/api/v1/clusters/${id}/resources/configmaps`;
  const open = async (path: string, token = admin, headers: Record<string, string> = {}) => {
    const c = await SseClient.open(`${t.url}${path}`, { authorization: `Bearer ${token}`, ...headers });
    opened.push(c);
    return c;
  };
  const apply = (manifest: string, id = ids[0]) =>
    t.api('POST', `/api/v1/clusters/${id}/apply`, { token: admin, body: { manifest } });
  const cm = (name: string, value: string, ns = NS) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: ${ns}}\ndata: {value: "${value}"}\n`;
  const named = (type: string, name: string) => (e: SseEvent) =>
    e.event === type && e.data.object?.metadata?.name === name;
  const initialEnd = (e: SseEvent) =>
    e.event === 'BOOKMARK' && e.data.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true';

  beforeAll(async () => {
    tb = testbed();
    t = await startTestApp({
      env: {
        BERTH_KUBE_TIMEOUT_MS: '3000',
        BERTH_WATCH_HEARTBEAT_SECONDS: '1',
        BERTH_WATCH_RECHECK_SECONDS: '1',
        BERTH_WATCH_BACKOFF_MS: '200',
        BERTH_WATCH_MAX_BACKOFF_MS: '1000',
        BERTH_WATCH_MAX_STREAMS_PER_CALLER: '6',
        BERTH_WATCH_MAX_BUFFER_BYTES: '65536',
        BERTH_WATCH_OPERATION_POLL_MS: '100',
      },
    });
    admin = await t.login();
    for (const c of tb) ids.push(await importCluster(t, admin, c));
    for (const id of ids) {
      const ns = await apply(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}}\n`, id);
      expect(ns.status).toBe(200);
    }
  });
  afterAll(async () => {
    for (const c of opened) c.close();
    for (const fn of cleanups) await fn().catch(() => undefined);
    for (const id of ids.slice(0, tb.length))
      await t
        .api('DELETE', `/api/v1/clusters/${id}/resources/namespaces/${NS}`, { token: admin })
        .catch(() => undefined);
    await t.close();
  });

  it('streams ADDED, MODIFIED, DELETED in order, each with its resourceVersion as id, after the initial list', async () => {
    const s = await open(`${cmPath()}?namespace=${NS}&watch=true`);
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toContain('text/event-stream');
    await t.checkContract('GET', `${cmPath()}`, { status: s.status, headers: s.headers });
    // The list first: the namespace's own kube-root-ca.crt, then the bookmark that ends the initial events.
    await s.next(named('ADDED', 'kube-root-ca.crt'));
    const end = await s.next(initialEnd);
    expect(end.id).toMatch(/^\d+$/);
    expect((await apply(cm('w1', 'a'))).status).toBe(200);
    expect((await apply(cm('w1', 'b'))).status).toBe(200);
    expect((await t.api('DELETE', `${cmPath()}/w1?namespace=${NS}`, { token: admin })).status).toBe(200);
    await s.next(named('DELETED', 'w1'));
    const mine = s.events.filter((e) => e.data.object?.metadata?.name === 'w1');
    expect(mine.map((e) => e.event)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(mine[1].data.object.data).toEqual({ value: 'b' });
    const rvs = mine.map((e) => Number(e.id));
    expect(rvs.every((rv, i) => rv > (i ? rvs[i - 1] : Number(end.id)))).toBe(true);
    expect(mine.every((e) => e.data.type === e.event && e.data.object.kind === 'ConfigMap')).toBe(true);
    s.close();
  });

  it('resumes after Last-Event-ID without duplicates or a new list', async () => {
    const s = await open(`${cmPath()}?namespace=${NS}&watch=true`);
    await s.next(initialEnd);
    await apply(cm('w2', '1'));
    const added = await s.next(named('ADDED', 'w2'));
    s.close();
    await apply(cm('w2', '2'));
    await apply(cm('w2', '3'));
    const r = await open(`${cmPath()}?namespace=${NS}&watch=true`, admin, { 'last-event-id': added.id! });
    await r.until(() => r.events.filter((e) => e.event === 'MODIFIED').length >= 2);
    expect(r.events.map((e) => e.event).slice(0, 2)).toEqual(['MODIFIED', 'MODIFIED']);
    expect(r.events.some((e) => e.event === 'ADDED')).toBe(false);
    expect(r.events[0].data.object.data).toEqual({ value: '2' });
    expect(r.events[1].data.object.data).toEqual({ value: '3' });
    expect(Number(r.events[0].id)).toBeGreaterThan(Number(added.id));
    // resource_version= does the same for clients that cannot set headers.
    const q = await open(`${cmPath()}?namespace=${NS}&watch=true&resource_version=${added.id}`);
    await q.until(() => q.events.length >= 2);
    expect(q.events.slice(0, 2).map((e) => e.data.object.data.value)).toEqual(['2', '3']);
    r.close();
    q.close();
  });

  it('an expired resourceVersion (410 Gone) becomes RESYNC and a fresh list', async () => {
    // Compact the cluster's etcd up to now (its client port is the API server's + 1 in the testbed; the
    // testbed serves ConfigMap watches from etcd): resourceVersion 1 is then expired for real.
    const server = new URL(tb[0].server);
    const etcd = `http://127.0.0.1:${Number(server.port) + 1}`;
    const status = (await (
      await fetch(`${etcd}/v3/maintenance/status`, { method: 'POST', body: '{}' })
    ).json()) as {
      header: { revision: string };
    };
    const compacted = await fetch(`${etcd}/v3/kv/compaction`, {
      method: 'POST',
      body: JSON.stringify({ revision: status.header.revision, physical: true }),
    });
    expect(compacted.status).toBe(200);
    const s = await open(`${cmPath()}?namespace=${NS}&watch=true`, admin, { 'last-event-id': '1' });
    const resync = await s.next((e) => e.event === 'RESYNC');
    expect(resync.data).toMatchObject({ type: 'RESYNC', expired_resource_version: '1' });
    const at = s.events.indexOf(resync);
    await s.next(initialEnd, 15_000, at);
    expect(s.events.slice(at).some(named('ADDED', 'w2'))).toBe(true);
    s.close();
  });

  it('sends heartbeat comments on an idle stream', async () => {
    const s = await open(`${cmPath()}?namespace=${NS}&watch=true&label_selector=none%3Dnone`);
    await s.until(() => s.comments.filter((c) => c.startsWith('heartbeat')).length >= 2, 5000);
    s.close();
  });

  it('Accept: text/event-stream alone switches a list route to a stream; watch=false stays the list', async () => {
    const s = await open(`/api/v1/clusters/${ids[0]}/namespaces/${NS}/pods`);
    expect(s.status).toBe(200);
    await s.next(initialEnd);
    s.close();
    const list = await t.api('GET', `/api/v1/clusters/${ids[0]}/namespaces/${NS}/pods?watch=false`, {
      token: admin,
      headers: { accept: 'text/event-stream' },
    });
    expect(list.status).toBe(200);
    expect(list.body.data.kind).toBe('Pod');
    const bad = await t.api('GET', `${cmPath()}?watch=maybe`, { token: admin });
    expect(bad.status).toBe(400);
    const badRv = await t.api('GET', `${cmPath()}?watch=true&resource_version=a%20b`, { token: admin });
    expect(badRv.status).toBe(400);
  });

  it('closes the upstream watch when the client goes', async () => {
    const pool = t.app.get(ClusterClientPool);
    const busy = async () => (await pool.sockets(ids[1]))?.busy ?? 0;
    await eventually(async () => (await busy()) === 0, 10_000);
    const s = await open(`${cmPath(ids[1])}?namespace=${NS}&watch=true`);
    await s.next(initialEnd);
    await eventually(async () => (await busy()) === 1, 5000);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/berth_watch_streams\{kind="resource"\} 1/);
    s.close();
    await eventually(async () => (await busy()) === 0, 5000);
    await eventually(
      async () =>
        /berth_watch_streams\{kind="resource"\} 0/.test(await (await fetch(`${t.url}/metrics`)).text()),
      5000,
    );
  });

  it('the watches of a cluster share one HTTP/2 connection to its API server', async () => {
    const pool = t.app.get(ClusterClientPool);
    const busy = async () => (await pool.sockets(ids[2]))?.busy ?? 0;
    await eventually(async () => (await busy()) === 0, 10_000);
    const streams = await Promise.all(
      Array.from({ length: 5 }, () => open(`${cmPath(ids[2])}?namespace=${NS}&watch=true`)),
    );
    for (const s of streams) await s.next(initialEnd);
    await eventually(async () => (await busy()) === 5, 5000);
    // kube-apiserver takes 100 streams per connection (--http2-max-streams-per-connection): one is enough.
    expect(await pool.h2Connections(ids[2])).toBe(1);
    for (const s of streams) s.close();
    await eventually(async () => (await busy()) === 0, 5000);
  });

  it('drops a slow reader with a final overflow event instead of buffering without limit', async () => {
    const s = await open(`${cmPath(ids[2])}?namespace=${NS}&watch=true`);
    await s.next(initialEnd);
    s.pause();
    const dropBig = () => t.api('DELETE', `${cmPath(ids[2])}/big?namespace=${NS}`, { token: admin });
    cleanups.push(dropBig);
    const big = 'x'.repeat(400_000);
    for (let i = 0; i < 24 && !s.ended; i++)
      expect((await apply(cm('big', `${i}${big}`), ids[2])).status).toBe(200);
    s.resume();
    await s.until(() => s.ended, 20_000);
    const last = s.events.at(-1)!;
    expect(last.event).toBe('error');
    expect(last.data).toMatchObject({ type: 'error', reason: 'overflow' });
    expect(s.events.filter(named('MODIFIED', 'big')).length).toBeLessThan(23);
    expect(await (await fetch(`${t.url}/metrics`)).text()).toMatch(
      /berth_watch_closed_total\{reason="overflow"\} 1/,
    );
    await dropBig();
  });

  it('refuses streams past the per-caller limit with 429 and Retry-After', async () => {
    const user = await userToken(t, admin, 'watcher', 'viewer');
    const streams: SseClient[] = [];
    for (let i = 0; i < 6; i++) streams.push(await open(`${cmPath()}?namespace=${NS}&watch=true`, user));
    expect(streams.every((s) => s.status === 200)).toBe(true);
    const refused = await t.api('GET', `${cmPath()}?namespace=${NS}&watch=true`, { token: user });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(refused.body.code).toBe(42900);
    streams[0].close();
    await eventually(async () => {
      const again = await open(`${cmPath()}?namespace=${NS}&watch=true`, user);
      again.close();
      return again.status === 200;
    }, 5000);
    for (const s of streams) s.close();
  });

  it('ends the stream when its token is revoked, and when its grant is', async () => {
    const token = await userToken(t, admin, 'leaver', 'viewer');
    const s = await open(`${cmPath()}?namespace=${NS}&watch=true`, token);
    await s.next(initialEnd);
    expect((await t.api('POST', '/api/v1/auth/logout', { token })).status).toBe(200);
    const bye = await s.next((e) => e.event === 'error', 5000);
    expect(bye.data.reason).toBe('token_revoked');
    await s.until(() => s.ended, 5000);

    const u = await t.api('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'granted', password: 'pw-granted-123456', role: 'none' },
    });
    const g = await t.api('POST', '/api/v1/grants', {
      token: admin,
      body: {
        subject_type: 'user',
        subject_id: u.body.data.id,
        role: 'view',
        cluster_ids: [ids[0]],
        namespaces: [NS],
      },
    });
    expect(g.status).toBe(201);
    const granted = await t.login('granted', 'pw-granted-123456');
    const outside = await t.api('GET', `${cmPath()}?watch=true`, { token: granted });
    expect(outside.status).toBe(403); // every namespace: the same answer as the list
    const w = await open(`${cmPath()}?namespace=${NS}&watch=true`, granted);
    await w.next(initialEnd);
    expect((await t.api('DELETE', `/api/v1/grants/${g.body.data.id}`, { token: admin })).status).toBe(200);
    const gone = await w.next((e) => e.event === 'error', 5000);
    expect(gone.data.reason).toBe('forbidden');
  });

  it('fleet watch: one stream over many clusters, CLUSTER_UNREACHABLE / CLUSTER_RECOVERED for a cut cluster', async () => {
    const proxy = new CuttableProxy(new URL(tb[0].server));
    await proxy.open();
    cleanups.push(() => proxy.cut());
    const kubeconfig = kubeconfigOf(tb[0]).replace(tb[0].server, `https://127.0.0.1:${proxy.port}`);
    const imported = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'via-proxy', kubeconfig },
    });
    expect(imported.status).toBe(201);
    const proxied = imported.body.data.id as string;
    const all = [...ids, proxied];
    const path = `/api/v1/fleet/resources/configmaps?namespace=${NS}&watch=true&clusters=${all.join(',')}`;
    const s = await open(path);
    expect(s.status).toBe(200);
    await t.checkContract('GET', '/api/v1/fleet/resources/configmaps', {
      status: s.status,
      headers: s.headers,
    });
    await s.until(() => new Set(s.events.filter(initialEnd).map((e) => e.data.cluster_id)).size === 4);
    await apply(cm('fleet-1', 'a'), ids[1]);
    const added = await s.next(named('ADDED', 'fleet-1'));
    expect(added.data).toMatchObject({ cluster_id: ids[1], cluster_name: tb[1].name });
    expect(added.id).toContain(`${ids[1]}=`);
    expect(added.id!.split(',')).toHaveLength(4);

    await proxy.cut();
    const down = await s.next((e) => e.event === 'CLUSTER_UNREACHABLE', 15_000);
    expect(down.data).toMatchObject({
      cluster_id: proxied,
      cluster_name: 'via-proxy',
      error: { code: 50301 },
    });
    // The other clusters go on.
    await apply(cm('fleet-2', 'b'), ids[2]);
    await s.next(named('ADDED', 'fleet-2'));
    await apply(cm('while-down', 'c'), ids[0]);
    await proxy.open();
    const up = await s.next((e) => e.event === 'CLUSTER_RECOVERED', 15_000);
    expect(up.data.cluster_id).toBe(proxied);
    // alpha's change made while its proxy was cut arrives through it after the recovery (resumed, not relisted).
    const late = await s.next(
      (e) => named('ADDED', 'while-down')(e) && e.data.cluster_id === proxied,
      15_000,
      s.events.indexOf(up),
    );
    expect(late.data.cluster_name).toBe('via-proxy');
    expect(s.ended).toBe(false);
    s.close();
    await t.api('DELETE', `/api/v1/clusters/${proxied}`, { token: admin });
  });

  it('fleet watch: a visible cluster the grants do not cover gives one CLUSTER_FORBIDDEN naming the namespaces', async () => {
    const u = await t.api('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'teamns', password: 'pw-teamns-123456', role: 'none' },
    });
    for (const body of [
      { role: 'view', cluster_ids: [ids[0]] },
      { role: 'view', cluster_ids: [ids[1]], namespaces: [NS] },
    ])
      expect(
        (
          await t.api('POST', '/api/v1/grants', {
            token: admin,
            body: { subject_type: 'user', subject_id: u.body.data.id, ...body },
          })
        ).status,
      ).toBe(201);
    const token = await t.login('teamns', 'pw-teamns-123456');
    const s = await open('/api/v1/fleet/resources/configmaps?watch=true&label_selector=none%3Dnone', token);
    const forbidden = await s.next((e) => e.event === 'CLUSTER_FORBIDDEN');
    expect(forbidden.data).toMatchObject({ cluster_id: ids[1], namespaces: [NS], verb: 'objects.read' });
    await s.next((e) => initialEnd(e) && e.data.cluster_id === ids[0]);
    await new Promise((r) => setTimeout(r, 500));
    // gamma is not visible at all: never named.
    expect(s.events.some((e) => e.data.cluster_id === ids[2])).toBe(false);
    expect(s.events.filter((e) => e.event === 'CLUSTER_FORBIDDEN')).toHaveLength(1);
    s.close();
  });

  it('fleet watch membership follows the records: a cluster attached later joins, a detached one leaves', async () => {
    const s = await open(`/api/v1/fleet/resources/configmaps?namespace=${NS}&watch=true`);
    await s.until(() => ids.every((id) => s.events.some((e) => initialEnd(e) && e.data.cluster_id === id)));
    // A new record for alpha's API server, attached while the stream is open.
    const late = await importCluster(t, admin, tb[0], 'late-alpha');
    const joined = await s.next((e) => e.event === 'CLUSTER_JOINED', 10_000);
    expect(joined.data).toEqual({ type: 'CLUSTER_JOINED', cluster_id: late, cluster_name: 'late-alpha' });
    const from = s.events.indexOf(joined);
    // Its current objects, then its bookmark (now part of the id), then its changes.
    await s.next((e) => e.event === 'ADDED' && e.data.cluster_id === late, 10_000, from);
    const mark = await s.next((e) => initialEnd(e) && e.data.cluster_id === late, 10_000, from);
    expect(mark.id).toContain(`${late}=`);
    await apply(cm('after-join', 'j'), ids[0]);
    await s.next((e) => named('ADDED', 'after-join')(e) && e.data.cluster_id === late, 10_000, from);
    await s.next((e) => named('ADDED', 'after-join')(e) && e.data.cluster_id === ids[0], 10_000, from);

    expect((await t.api('DELETE', `/api/v1/clusters/${late}`, { token: admin })).status).toBe(200);
    const left = await s.next((e) => e.event === 'CLUSTER_LEFT', 10_000, from);
    expect(left.data).toMatchObject({ type: 'CLUSTER_LEFT', cluster_id: late, cluster_name: 'late-alpha' });
    const after = s.events.indexOf(left);
    await apply(cm('after-leave', 'l'), ids[0]);
    const next = await s.next((e) => named('ADDED', 'after-leave')(e), 10_000, after);
    expect(next.data.cluster_id).toBe(ids[0]);
    expect(next.id).not.toContain(late);
    await new Promise((r) => setTimeout(r, 500));
    expect(s.events.slice(after + 1).some((e) => e.data?.cluster_id === late)).toBe(false);
    // Once: a detached cluster is not named again at later re-checks.
    expect(s.events.filter((e) => e.event === 'CLUSTER_LEFT')).toHaveLength(1);
    expect(s.events.filter((e) => e.event === 'CLUSTER_JOINED')).toHaveLength(1);
    expect(s.ended).toBe(false);
    s.close();
  });

  it('streams an operation until it succeeded; 404 for one the caller may not see', async () => {
    const op = await t.api('POST', '/api/v1/secrets/reencrypt', { token: admin });
    expect(op.status).toBe(202);
    const s = await open(`/api/v1/operations/${op.body.data.id}/events`);
    expect(s.status).toBe(200);
    await t.checkContract('GET', `/api/v1/operations/${op.body.data.id}/events`, {
      status: s.status,
      headers: s.headers,
    });
    await s.until(() => s.ended, 30_000);
    const names = s.events.map((e) => e.event);
    expect(names.at(-1)).toBe('END');
    expect(s.events.at(-1)!.data.status).toBe('succeeded');
    expect(names.filter((n) => n === 'OPERATION').length).toBeGreaterThanOrEqual(1);
    expect(s.events.at(-2)!.data.operation).toMatchObject({ id: op.body.data.id, status: 'succeeded' });
    const viewer = await userToken(t, admin, 'opviewer', 'viewer');
    const hidden = await t.api('GET', `/api/v1/operations/${op.body.data.id}/events`, { token: viewer });
    expect(hidden.status).toBe(404);
  });
});
