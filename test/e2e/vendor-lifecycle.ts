// The full lifecycle of a vendor cluster through Berth's API against a faithful simulator, with a burst of
// five 503s injected into the vendor's polling call of every phase (issue 14): create → active → pods
// readable → pool create / resize / delete → node removal with drain of running pods (PodDisruptionBudget)
// → destroy. Used by vendor-lifecycle-ack.spec.ts and vendor-lifecycle-tke.spec.ts.
import { expect } from '@jest/globals';
import type { RunningSimulator } from '../simulators/common/types.js';
import { settled, simCredential } from '../helpers/providers.js';
import { eventually, type TestApp } from '../helpers/test-app.js';
import { testbed } from '../helpers/clusters.js';
import { clusterRequest } from '../testbed/state.js';

export interface LifecycleVendor {
  sim: RunningSimulator;
  provider: 'ack' | 'tke';
  spec: Record<string, unknown>;
  pool: Record<string, unknown>;
  /** The vendor call each phase polls (the 503 burst goes there). */
  polls: { create: string; pool: string; remove: string; destroy: string };
  /** Label the vendor puts on a pool's nodes (value: the vendor pool id). */
  poolLabel: string;
}

/** Five 503s on the vendor's polling call of the phase about to start. */
export function burst(sim: RunningSimulator, action: string): void {
  sim.addFault({ kind: 'error', action, status: 503, count: 5, message: 'service unavailable (burst)' });
}

const outage = (sim: RunningSimulator, action: string) =>
  sim.server.calls.filter((c) => c.action === action).length;

export async function runLifecycle(
  t: TestApp,
  admin: string,
  v: LifecycleVendor,
  name: string,
): Promise<void> {
  const credentialId = await simCredential(t, admin, v.sim, `${name}-cred`);
  // create → active, through a burst while the create is polled
  burst(v.sim, v.polls.create);
  const before = outage(v.sim, v.polls.create);
  const res = await t.api('POST', '/api/v1/clusters', {
    token: admin,
    body: { provider: v.provider, credential_id: credentialId, name, spec: v.spec },
  });
  expect(res.status).toBe(202);
  const clusterId = res.body.data.target_id as string;
  const created = await settled(t, admin, res.body.data.id, 90_000);
  expect(created).toMatchObject({ status: 'succeeded', error: null });
  expect(outage(v.sim, v.polls.create) - before).toBeGreaterThanOrEqual(6); // 5 refused, then answered
  const cluster = (await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).body.data;
  expect(cluster).toMatchObject({ status: 'active', last_error: null });
  const target = testbed().find((c) => c.server === cluster.server)!;
  expect(target).toBeDefined();

  // pods readable through Berth
  const pods = await t.api('GET', `/api/v1/clusters/${clusterId}/resources/pods?namespace=kube-system`, {
    token: admin,
  });
  expect(pods.status).toBe(200);

  // pool create (burst), resize (burst; a second change is refused while it runs), then its nodes exist
  burst(v.sim, v.polls.pool);
  const pc = await t.api('POST', `/api/v1/clusters/${clusterId}/node-pools`, {
    token: admin,
    body: { name: 'life', desired_size: 2, ...v.pool },
  });
  expect(pc.status).toBe(202);
  expect((await settled(t, admin, pc.body.data.id, 60_000)).status).toBe('succeeded');
  const pool = (
    await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin })
  ).body.data.data.find((p: { name: string }) => p.name === 'life');
  burst(v.sim, v.polls.pool);
  const resize = await t.api('PATCH', `/api/v1/clusters/${clusterId}/node-pools/${pool.id}`, {
    token: admin,
    body: { desired_size: 3 },
  });
  expect(resize.status).toBe(202);
  const second = await t.api('DELETE', `/api/v1/clusters/${clusterId}/node-pools/${pool.id}`, {
    token: admin,
  });
  expect(second.status).toBe(409);
  expect(second.body.data.operation_id).toBe(resize.body.data.id);
  expect((await settled(t, admin, resize.body.data.id, 60_000)).status).toBe('succeeded');
  const sel = encodeURIComponent(`${v.poolLabel}=${pool.vendor_pool_id}`);
  const nodeNames = async () =>
    ((await clusterRequest(target, 'GET', `/api/v1/nodes?labelSelector=${sel}`)).body as any).items.map(
      (n: { metadata: { name: string } }) => n.metadata.name,
    ) as string[];
  expect(await eventually(async () => ((await nodeNames()).length === 3 ? true : null), 20_000)).toBe(true);

  // running pods on the pool's nodes, guarded by a PodDisruptionBudget; one node is drained and removed
  const ns = `life-${Date.now().toString(36)}`;
  await clusterRequest(target, 'POST', '/api/v1/namespaces', { body: { metadata: { name: ns } } });
  const labels = { app: 'drain-me' };
  await clusterRequest(target, 'POST', `/apis/apps/v1/namespaces/${ns}/deployments`, {
    body: {
      metadata: { name: 'drain-me' },
      spec: {
        replicas: 3,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            nodeSelector: { [v.poolLabel]: pool.vendor_pool_id },
            tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
            containers: [{ name: 'c', image: 'busybox' }],
          },
        },
      },
    },
  });
  await clusterRequest(target, 'POST', `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets`, {
    body: { metadata: { name: 'drain-me' }, spec: { minAvailable: 2, selector: { matchLabels: labels } } },
  });
  const running = async () =>
    ((await clusterRequest(target, 'GET', `/api/v1/namespaces/${ns}/pods`)).body as any).items.filter(
      (p: { status: { phase: string } }) => p.status.phase === 'Running',
    ) as { spec: { nodeName: string } }[];
  const placed = await eventually(async () => {
    const r = await running();
    return r.length === 3 ? r : null;
  }, 60_000);
  const victim = placed[0].spec.nodeName;
  burst(v.sim, v.polls.remove);
  const removal = await t.api('DELETE', `/api/v1/clusters/${clusterId}/nodes/${encodeURIComponent(victim)}`, {
    token: admin,
  });
  expect(removal.status).toBe(202);
  const removed = await settled(t, admin, removal.body.data.id, 120_000);
  expect(removed).toMatchObject({ status: 'succeeded', result: { drained: { registered: true } } });
  expect(removed.result.drained.evicted).toBeGreaterThanOrEqual(1);
  expect(await eventually(async () => (!(await nodeNames()).includes(victim) ? true : null), 20_000)).toBe(
    true,
  );
  // The budget held: never fewer than minAvailable pods ran, and all three run again elsewhere.
  expect(await eventually(async () => ((await running()).length === 3 ? true : null), 60_000)).toBe(true);
  expect((await running()).every((p) => p.spec.nodeName !== victim)).toBe(true);
  await clusterRequest(target, 'DELETE', `/api/v1/namespaces/${ns}`);

  // pool delete (burst)
  burst(v.sim, v.polls.pool);
  const del = await t.api('DELETE', `/api/v1/clusters/${clusterId}/node-pools/${pool.id}`, { token: admin });
  expect(del.status).toBe(202);
  expect((await settled(t, admin, del.body.data.id, 60_000)).status).toBe('succeeded');
  expect(await eventually(async () => ((await nodeNames()).length === 0 ? true : null), 20_000)).toBe(true);

  // destroy (burst)
  burst(v.sim, v.polls.destroy);
  const destroy = await t.api('DELETE', `/api/v1/clusters/${clusterId}?destroy=true`, { token: admin });
  expect(destroy.status).toBe(202);
  expect((await settled(t, admin, destroy.body.data.id, 60_000)).status).toBe('succeeded');
  expect((await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).status).toBe(404);
}
