/* eslint-disable @typescript-eslint/no-explicit-any -- the tests read raw Kubernetes JSON */
// Proves the testbed clusters are real Kubernetes: real API server, controller-manager, scheduler,
// etcd and kwok nodes, per-cluster authentication, RBAC, pod logs and resource metrics.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import {
  clusterAnswers,
  clusterRequest,
  loadTestbed,
  testbedNodes,
  testbedVersions,
  type TestbedCluster,
  type TestbedResponse,
} from './state.js';

const clusters: TestbedCluster[] = loadTestbed();
const versions = testbedVersions();
const NODES = testbedNodes();
const RUN = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
const NS = `tb-spec-${RUN}`;
const DEPLOYMENT = 'web';
const REPLICAS = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check() returns a value other than undefined/false; fails with the last observation. */
async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 45000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    await sleep(500);
  }
}

/** CPU quantity ("150m", "149872345n", "1") in cores. */
function cores(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(n|u|m)?$/.exec(q);
  if (!m) throw new Error(`unexpected CPU quantity ${q}`);
  const div: Record<string, number> = { '': 1, n: 1e9, u: 1e6, m: 1e3 };
  return Number(m[1]) / div[m[2] ?? ''];
}

/** Memory quantity ("64Mi", "65536Ki", "67108864") in bytes. */
function bytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(q);
  if (!m) throw new Error(`unexpected memory quantity ${q}`);
  const mult: Record<string, number> = {
    '': 1,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
  };
  return Number(m[1]) * mult[m[2] ?? ''];
}

function ok(r: TestbedResponse, what: string): any {
  if (r.status < 200 || r.status > 299) throw new Error(`${what}: HTTP ${r.status} ${r.text.slice(0, 300)}`);
  return r.body;
}

async function runningPods(c: TestbedCluster): Promise<any[]> {
  const r = await clusterRequest(c, 'GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3D${DEPLOYMENT}`);
  return (ok(r, 'list pods').items as any[]).filter((p) => p.status?.phase === 'Running');
}

describe('testbed clusters', () => {
  beforeAll(async () => {
    // a test elsewhere may be cycling a cluster with `scripts/testbed stop/start`: wait for it
    for (const c of clusters)
      await eventually(`${c.name} to answer /version`, () => clusterAnswers(c), 30000);
    await Promise.all(
      clusters.map(async (c) => {
        ok(
          await clusterRequest(c, 'POST', '/api/v1/namespaces', {
            body: {
              apiVersion: 'v1',
              kind: 'Namespace',
              metadata: { name: NS, labels: { 'berth.dev/test': 'testbed-spec' } },
            },
          }),
          `create namespace in ${c.name}`,
        );
        ok(
          await clusterRequest(c, 'POST', `/apis/apps/v1/namespaces/${NS}/deployments`, {
            body: {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              metadata: { name: DEPLOYMENT, labels: { app: DEPLOYMENT } },
              spec: {
                replicas: REPLICAS,
                selector: { matchLabels: { app: DEPLOYMENT } },
                template: {
                  metadata: {
                    labels: { app: DEPLOYMENT },
                    annotations: { 'kwok.x-k8s.io/usage-cpu': '150m', 'kwok.x-k8s.io/usage-memory': '64Mi' },
                  },
                  spec: { containers: [{ name: 'app', image: 'registry.example/berth/web:1.0' }] },
                },
              },
            },
          }),
          `create deployment in ${c.name}`,
        );
      }),
    );
  }, 60000);

  afterAll(async () => {
    // the namespace test deletes them; this is the safety net when an earlier test failed
    await Promise.all(
      clusters.map((c) => clusterRequest(c, 'DELETE', `/api/v1/namespaces/${NS}`).catch(() => undefined)),
    );
  });

  it('has at least one cluster with distinct names and servers', () => {
    expect(clusters.length).toBeGreaterThanOrEqual(1);
    expect(new Set(clusters.map((c) => c.name)).size).toBe(clusters.length);
    expect(new Set(clusters.map((c) => c.server)).size).toBe(clusters.length);
    for (const c of clusters) {
      expect(c.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(Buffer.from(c.ca_data, 'base64').toString('utf8')).toContain('-----BEGIN CERTIFICATE-----');
      expect(c.token).not.toBe(c.limited_token);
    }
  });

  it('every cluster reports the pinned Kubernetes version on /version', async () => {
    const want = versions.KUBE_VERSION;
    expect(want).toMatch(/^v1\.\d+\.\d+$/);
    for (const c of clusters) {
      const v = ok(await clusterRequest(c, 'GET', '/version'), `/version of ${c.name}`);
      expect(v.gitVersion).toBe(want);
      expect(`v${v.major}.${v.minor}`).toBe(want.split('.').slice(0, 2).join('.'));
    }
  });

  it(`every cluster has ${NODES} Ready kwok nodes`, async () => {
    for (const c of clusters) {
      const nodes = ok(await clusterRequest(c, 'GET', '/api/v1/nodes'), `nodes of ${c.name}`).items as any[];
      const ready = nodes.filter((n) =>
        (n.status?.conditions ?? []).some((x: any) => x.type === 'Ready' && x.status === 'True'),
      );
      expect(nodes).toHaveLength(NODES);
      expect(ready.map((n) => n.metadata.name).sort()).toEqual(nodes.map((n) => n.metadata.name).sort());
      expect(nodes.every((n) => n.metadata.name.startsWith(`kwok-${c.name}-`))).toBe(true);
    }
  });

  it('a Deployment gets a ReplicaSet and Running, scheduled pods (controller-manager, scheduler, kwok)', async () => {
    await Promise.all(
      clusters.map(async (c) => {
        const rs = await eventually(`ReplicaSet in ${c.name}`, async () => {
          const items = ok(
            await clusterRequest(c, 'GET', `/apis/apps/v1/namespaces/${NS}/replicasets`),
            'list rs',
          ).items as any[];
          return items.find((r) =>
            r.metadata.ownerReferences?.some((o: any) => o.kind === 'Deployment' && o.name === DEPLOYMENT),
          );
        });
        expect(rs.spec.replicas).toBe(REPLICAS);
        const pods = await eventually(`${REPLICAS} Running pods in ${c.name}`, async () => {
          const running = await runningPods(c);
          if (running.length === REPLICAS) return running;
          const all = ok(await clusterRequest(c, 'GET', `/api/v1/namespaces/${NS}/pods`), 'list pods')
            .items as any[];
          throw new Error(
            `pods: ${JSON.stringify(all.map((p) => [p.metadata.name, p.spec.nodeName ?? null, p.status?.phase]))}`,
          );
        });
        for (const p of pods) {
          expect(p.spec.nodeName).toMatch(new RegExp(`^kwok-${c.name}-\\d+$`));
          expect(p.status.podIP).toBeTruthy();
          expect(p.metadata.ownerReferences[0].name).toBe(rs.metadata.name);
        }
        const dep = await eventually(`Deployment status in ${c.name}`, async () => {
          const d = ok(
            await clusterRequest(c, 'GET', `/apis/apps/v1/namespaces/${NS}/deployments/${DEPLOYMENT}`),
            'get deployment',
          );
          if (d.status?.readyReplicas === REPLICAS) return d;
          throw new Error(`deployment status: ${JSON.stringify(d.status)}`);
        });
        expect(dep.status.replicas).toBe(REPLICAS);
      }),
    );
  }, 150000);

  it('admission plugins run (NamespaceLifecycle refuses a pod in a missing namespace)', async () => {
    for (const c of clusters) {
      const r = await clusterRequest(c, 'POST', `/api/v1/namespaces/${NS}-missing/pods`, {
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'p' },
          spec: { containers: [{ name: 'c', image: 'i' }] },
        },
      });
      expect(r.status).toBe(404);
      expect(r.body.details).toEqual(expect.objectContaining({ kind: 'namespaces', name: `${NS}-missing` }));
    }
  });

  it('the default ServiceAccount exists in a new namespace', async () => {
    for (const c of clusters) {
      const sa = await eventually(`default ServiceAccount in ${c.name}`, async () => {
        const r = await clusterRequest(c, 'GET', `/api/v1/namespaces/${NS}/serviceaccounts/default`);
        return r.status === 200 ? r.body : undefined;
      });
      expect(sa.metadata.name).toBe('default');
    }
  });

  it('events are recorded for the Deployment and its pods', async () => {
    for (const c of clusters) {
      const reasons = await eventually(`events in ${c.name}`, async () => {
        const items = ok(await clusterRequest(c, 'GET', `/api/v1/namespaces/${NS}/events`), 'list events')
          .items as any[];
        const set = new Set(items.map((e) => `${e.involvedObject.kind}/${e.reason}`));
        return set.has('Deployment/ScalingReplicaSet') &&
          set.has('Pod/Scheduled') &&
          set.has('ReplicaSet/SuccessfulCreate')
          ? set
          : undefined;
      });
      expect(reasons.has('Pod/Scheduled')).toBe(true);
    }
  });

  it('pod logs come back through the API server (kwok ClusterLogs)', async () => {
    for (const c of clusters) {
      const [pod] = await runningPods(c);
      expect(pod).toBeDefined();
      const path = `/api/v1/namespaces/${NS}/pods/${pod.metadata.name}/log`;
      const r = await eventually(`logs of ${pod.metadata.name} in ${c.name}`, async () => {
        const res = await clusterRequest(c, 'GET', path);
        return res.status === 200 ? res : undefined;
      });
      const lines = r.text.trimEnd().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(10);
      expect(lines[0]).toBe(`berth-testbed ${c.name}: log line 1`);
      const tail = await clusterRequest(c, 'GET', `${path}?tailLines=3&timestamps=true`);
      expect(tail.status).toBe(200);
      const tailLines = tail.text.trimEnd().split('\n');
      expect(tailLines).toHaveLength(3);
      expect(tailLines[2]).toMatch(/^2026-01-01T00:00:20(\.0+)?Z berth-testbed .*log line 20/);
    }
  }, 60000);

  it('resource metrics come back from metrics.k8s.io (metrics-server + kwok)', async () => {
    await Promise.all(
      clusters.map(async (c) => {
        const nodes = await eventually(
          `node metrics in ${c.name}`,
          async () => {
            const r = await clusterRequest(c, 'GET', '/apis/metrics.k8s.io/v1beta1/nodes');
            return r.status === 200 && r.body.items.length === NODES ? r.body.items : undefined;
          },
          120000,
        );
        for (const n of nodes) {
          // 256Mi simulated system usage per node plus its pods' usage
          expect(bytes(n.usage.memory)).toBeGreaterThanOrEqual(256 * 1024 * 1024);
          expect(cores(n.usage.cpu)).toBeGreaterThanOrEqual(0);
        }
        const pods = await eventually(
          `pod metrics in ${c.name}`,
          async () => {
            const r = await clusterRequest(c, 'GET', `/apis/metrics.k8s.io/v1beta1/namespaces/${NS}/pods`);
            return r.status === 200 && r.body.items.length === REPLICAS ? r.body.items : undefined;
          },
          120000,
        );
        for (const p of pods) {
          const usage = p.containers[0].usage;
          // the pod template's kwok.x-k8s.io/usage-* annotations drive the simulated usage
          expect(cores(usage.cpu)).toBeGreaterThan(0.14);
          expect(cores(usage.cpu)).toBeLessThan(0.16);
          expect(bytes(usage.memory)).toBe(64 * 1024 * 1024);
        }
      }),
    );
  }, 150000);

  it("each cluster's token is refused (401) by every other cluster and accepted by its own", async () => {
    for (const target of clusters) {
      expect((await clusterRequest(target, 'GET', '/api/v1/namespaces')).status).toBe(200);
      // no credentials at all: anonymous, authenticated as system:anonymous and refused by RBAC
      const anon = await clusterRequest(target, 'GET', '/api/v1/namespaces', { token: null });
      expect(anon.status).toBe(403);
      expect(anon.body.message).toContain('system:anonymous');
      for (const other of clusters) {
        if (other === target) continue;
        expect(other.token).not.toBe(target.token);
        const r = await clusterRequest(target, 'GET', '/api/v1/namespaces', { token: other.token });
        expect({ from: other.name, to: target.name, status: r.status }).toEqual({
          from: other.name,
          to: target.name,
          status: 401,
        });
        const l = await clusterRequest(target, 'GET', '/api/v1/namespaces', { token: other.limited_token });
        expect(l.status).toBe(401);
      }
    }
  });

  it('the limited token may list namespaces but gets 403 on pods and secrets', async () => {
    for (const c of clusters) {
      const ns = await clusterRequest(c, 'GET', '/api/v1/namespaces', { token: c.limited_token });
      expect(ns.status).toBe(200);
      expect((ns.body.items as any[]).map((n) => n.metadata.name)).toContain(NS);
      const pods = await clusterRequest(c, 'GET', '/api/v1/pods', { token: c.limited_token });
      expect(pods.status).toBe(403);
      expect(pods.body.reason).toBe('Forbidden');
      expect(
        (await clusterRequest(c, 'GET', `/api/v1/namespaces/${NS}/secrets`, { token: c.limited_token }))
          .status,
      ).toBe(403);
      expect(
        (await clusterRequest(c, 'DELETE', `/api/v1/namespaces/${NS}`, { token: c.limited_token })).status,
      ).toBe(403);
    }
  });

  it('a namespace with a Deployment in it deletes completely within 60 s', async () => {
    await Promise.all(
      clusters.map(async (c) => {
        const del = await clusterRequest(c, 'DELETE', `/api/v1/namespaces/${NS}`);
        expect([200, 202]).toContain(del.status);
        const status = await eventually(
          `namespace ${NS} gone from ${c.name}`,
          async () => {
            const r = await clusterRequest(c, 'GET', `/api/v1/namespaces/${NS}`);
            return r.status === 404 ? r.status : undefined;
          },
          60000,
        );
        expect(status).toBe(404);
      }),
    );
  }, 75000);
});
