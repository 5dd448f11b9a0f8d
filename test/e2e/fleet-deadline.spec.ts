import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { importCluster, testbed } from '../helpers/clusters.js';
import { eventually, startTestApp, type TestApp, userToken } from '../helpers/test-app.js';
import type { TestbedCluster } from '../testbed/state.js';

const NS = `berth-fd-${randomBytes(3).toString('hex')}`;
const TIMEOUT_MS = 1500;
/** Pods per healthy cluster, different on each so every cluster's share of a page is told apart. */
const PODS = [2, 3, 4];
/** Hung clusters named to sort before, between and after the healthy ones (fan-out order is by name). */
const HUNG = [
  ...Array.from({ length: 6 }, (_, i) => `aa-hung-${i}`),
  ...Array.from({ length: 5 }, (_, i) => `b-hung-${i}`),
  ...Array.from({ length: 5 }, (_, i) => `zz-hung-${i}`),
];

const pods = (n: number) =>
  [
    `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}}`,
    ...Array.from(
      { length: n },
      (_, i) =>
        `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: ${NS}}\nspec: {containers: [{name: app, image: nginx:1.27}]}`,
    ),
  ].join('\n---\n');

type Row = {
  cluster_name: string;
  status: string;
  count: number;
  latency_ms: number;
  error: { code: number } | null;
};
type Item = { cluster_name: string; object: { metadata: { name: string; namespace: string } } };

describe('fleet lists under one request-wide deadline beside hung clusters (e2e, real testbed)', () => {
  let t: TestApp;
  let admin: string;
  let viewer: string;
  let healthy: TestbedCluster[];
  const ids: string[] = [];
  let hole: Server;
  const held = new Set<Socket>();

  beforeAll(async () => {
    healthy = testbed().slice(0, 3);
    t = await startTestApp();
    admin = await t.login();
    viewer = await userToken(t, admin, 'fd-viewer', 'viewer');
    // Accepts TCP connections and never answers (not even the TLS handshake): a hung API server.
    hole = createServer((s) => {
      held.add(s);
      s.on('close', () => held.delete(s));
    });
    await new Promise<void>((r) => hole.listen(0, '127.0.0.1', r));
    const port = (hole.address() as { port: number }).port;
    for (const [i, c] of healthy.entries()) {
      const id = await importCluster(t, admin, c);
      ids.push(id);
      const applied = await t.api('POST', `/api/v1/clusters/${id}/apply`, {
        token: admin,
        body: { manifest: pods(PODS[i]) },
      });
      expect(applied.body.data).toMatchObject({ failed: 0 });
    }
    // Imported at once: each import's probe waits for the hung server until its timeout (force saves it anyway).
    const imported = await Promise.all(
      HUNG.map((name) =>
        t.api('POST', '/api/v1/clusters/import', {
          token: admin,
          body: { name, server: `https://127.0.0.1:${port}`, token: 'x', force: true },
        }),
      ),
    );
    for (const res of imported) {
      expect(res.status).toBe(201);
      ids.push(res.body.data.id);
    }
    // Warm: each healthy cluster's client and discovery exist before the timed requests.
    await eventually(
      async () => {
        const res = await t.api(
          'GET',
          `/api/v1/fleet/resources/pods?namespace=${NS}&clusters=${ids.slice(0, 3).join(',')}`,
          {
            token: viewer,
          },
        );
        return res.status === 200 && res.body.data.total === PODS[0] + PODS[1] + PODS[2];
      },
      60_000,
      500,
    );
  });
  afterAll(async () => {
    for (const id of ids.slice(0, 3))
      await t
        .api('DELETE', `/api/v1/clusters/${id}/resources/namespaces/${NS}`, { token: admin })
        .catch(() => undefined);
    for (const s of held) s.destroy();
    hole.close();
    await t.close();
  });

  const list = async (query: string) => {
    const started = performance.now();
    const res = await t.api(
      'GET',
      `/api/v1/fleet/resources/pods?namespace=${NS}&timeout_ms=${TIMEOUT_MS}&clusters=${ids.join(',')}&${query}`,
      { token: viewer },
    );
    return { res, ms: performance.now() - started };
  };

  it('every healthy cluster answers with its items and the 16 hung ones are timed out, within the deadline', async () => {
    // Twice: the second request meets the hung clusters' connections of the first still open.
    for (let round = 0; round < 2; round++) {
      const { res, ms } = await list('page_size=500');
      expect(res.status).toBe(200);
      expect(ms).toBeLessThan(TIMEOUT_MS + 1500);
      const rows = res.body.data.clusters as Row[];
      expect(rows).toHaveLength(3 + HUNG.length);
      const byName = Object.fromEntries(rows.map((r) => [r.cluster_name, r]));
      for (const [i, c] of healthy.entries()) {
        expect(byName[c.name]).toMatchObject({ status: 'ok', count: PODS[i], error: null });
        expect(byName[c.name].latency_ms).toBeGreaterThan(0);
      }
      for (const name of HUNG) {
        expect(byName[name]).toMatchObject({ status: 'timeout', count: 0, error: { code: 50400 } });
        // Its part ends at the request's deadline at the latest (sooner when a discovery call an earlier
        // request left waiting on it times out first).
        expect(byName[name].latency_ms).toBeGreaterThan(0);
        expect(byName[name].latency_ms).toBeLessThanOrEqual(TIMEOUT_MS + 100);
      }
      expect(res.body.data.total).toBe(PODS[0] + PODS[1] + PODS[2]);
      // Every healthy cluster's items, in name order, each tagged with its cluster.
      expect(
        (res.body.data.data as Item[]).map((i) => `${i.cluster_name}/${i.object.metadata.name}`),
      ).toEqual(healthy.flatMap((c, i) => Array.from({ length: PODS[i] }, (_, p) => `${c.name}/p${p}`)));
    }
  });

  it('a page that starts inside a healthy cluster behind hung ones gets the right items', async () => {
    // alpha p0 p1 | beta p0 p1 p2 | gamma p0 p1 p2 p3: page 2 of 3 is beta p1, beta p2, gamma p0.
    const { res, ms } = await list('page=2&page_size=3');
    expect(res.status).toBe(200);
    expect(ms).toBeLessThan(TIMEOUT_MS + 1500);
    expect(res.body.data).toMatchObject({ cur_page: 2, total: 9, total_page: 3 });
    expect((res.body.data.data as Item[]).map((i) => `${i.cluster_name}/${i.object.metadata.name}`)).toEqual([
      `${healthy[1].name}/p1`,
      `${healthy[1].name}/p2`,
      `${healthy[2].name}/p0`,
    ]);
    const rows = res.body.data.clusters as Row[];
    expect(rows.filter((r) => r.status === 'ok').map((r) => r.cluster_name)).toEqual(
      healthy.map((c) => c.name),
    );
    expect(rows.filter((r) => r.status === 'timeout')).toHaveLength(HUNG.length);
  });
});
