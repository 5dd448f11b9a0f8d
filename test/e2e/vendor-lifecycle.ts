// The full lifecycle of a vendor cluster through Berth's API against a faithful simulator, with a burst of
// five 503s injected into the vendor's polling call of every phase (issue 14): create → active → pods
// readable → pool create / resize / delete → node removal with drain of running pods (PodDisruptionBudget)
// → kubeconfig refresh (optional) → destroy. Used by vendor-lifecycle-{ack,tke,rancher}.spec.ts.
import { expect } from '@jest/globals';
import type { RunningSimulator } from '../simulators/common/types.js';
import { settled, simCredential } from '../helpers/providers.js';
import { eventually, type TestApp } from '../helpers/test-app.js';
import { testbed } from '../helpers/clusters.js';
import { clusterRequest } from '../testbed/state.js';

export interface LifecycleVendor {
  sim: RunningSimulator;
  provider: 'ack' | 'tke' | 'rancher';
  spec: Record<string, unknown>;
  pool: Record<string, unknown>;
  /** The vendor call each phase polls (the 503 burst goes there). */
  polls: { create: string; pool: string; remove: string; destroy: string };
  /**
   * Vendors whose polling call is also the one that starts a change (Rancher: GET before PUT of the
   * cluster): the call that starts each phase's change; the burst is injected once it has been seen, so it
   * lands in the polling.
   */
  initiates?: Partial<Record<'create' | 'pool' | 'remove' | 'destroy', string>>;
  /** The vendor call that starts a pool resize (held back by the vendor while other changes are tried). */
  resizes: string;
  /** Label the vendor puts on a pool's nodes (value: the vendor pool id). */
  poolLabel?: string;
  /** Without a pool label on nodes (RKE2: it is on the CAPI machines): the pool's node names. */
  poolNodes?: (all: { metadata: { name: string } }[], pool: { name: string }) => string[];
  /**
   * The vendor call that issues kubeconfigs: when set, the stored credential is made to expire within the
   * hour and the scheduled refresh job (the app must run it every few seconds) must replace it through a
   * burst on that call.
   */
  kubeconfigCall?: string;
}

/** Five 503s on the vendor's polling call of the phase about to start. */
export function burst(sim: RunningSimulator, action: string): void {
  sim.addFault({ kind: 'error', action, status: 503, count: 5, message: 'service unavailable (burst)' });
}

const outage = (sim: RunningSimulator, action: string) =>
  sim.server.calls.filter((c) => c.action === action).length;

/** The burst of a phase: at once, or (see `initiates`) once the change's first call reached the vendor. */
function phaseBurst(v: LifecycleVendor, phase: 'create' | 'pool' | 'remove' | 'destroy'): Promise<void> {
  const first = v.initiates?.[phase];
  if (!first) return Promise.resolve(burst(v.sim, v.polls[phase]));
  const seen = outage(v.sim, first);
  return eventually(async () => (outage(v.sim, first) > seen ? true : null), 120_000, 20).then(() =>
    burst(v.sim, v.polls[phase]),
  );
}

export async function runLifecycle(
  t: TestApp,
  admin: string,
  v: LifecycleVendor,
  name: string,
): Promise<void> {
  const credentialId = await simCredential(t, admin, v.sim, `${name}-cred`);
  // create → active, through a burst while the create is polled
  const before = outage(v.sim, v.polls.create);
  const injected = phaseBurst(v, 'create');
  const res = await t.api('POST', '/api/v1/clusters', {
    token: admin,
    body: { provider: v.provider, credential_id: credentialId, name, spec: v.spec },
  });
  expect(res.status).toBe(202);
  await injected;
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
  let injectedPool = phaseBurst(v, 'pool');
  const pc = await t.api('POST', `/api/v1/clusters/${clusterId}/node-pools`, {
    token: admin,
    body: { name: 'life', desired_size: 2, ...v.pool },
  });
  expect(pc.status).toBe(202);
  await injectedPool;
  expect((await settled(t, admin, pc.body.data.id, 60_000)).status).toBe('succeeded');
  const pool = (
    await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin })
  ).body.data.data.find((p: { name: string }) => p.name === 'life');
  // The vendor holds the call that starts the resize for 3 s (its deadline is 10 s), so the resize is
  // surely unfinished while the other changes come.
  v.sim.addFault({ kind: 'slow', action: v.resizes, count: 1, delay_ms: 3000 });
  injectedPool = phaseBurst(v, 'pool');
  // Three identical resizes at once (no Idempotency-Key): exactly one starts, the others are told which.
  const resizes = await Promise.all(
    [0, 1, 2].map(() =>
      t.api('PATCH', `/api/v1/clusters/${clusterId}/node-pools/${pool.id}`, {
        token: admin,
        body: { desired_size: 3 },
      }),
    ),
  );
  expect(resizes.map((r) => r.status).sort()).toEqual([202, 409, 409]);
  const resize = resizes.find((r) => r.status === 202)!;
  for (const r of resizes.filter((x) => x.status === 409))
    expect(r.body.data.operation_id).toBe(resize.body.data.id);
  const second = await t.api('DELETE', `/api/v1/clusters/${clusterId}/node-pools/${pool.id}`, {
    token: admin,
  });
  expect(second.status).toBe(409);
  expect(second.body.data.operation_id).toBe(resize.body.data.id);
  await injectedPool;
  expect((await settled(t, admin, resize.body.data.id, 60_000)).status).toBe('succeeded');
  const sel = v.poolLabel
    ? `?labelSelector=${encodeURIComponent(`${v.poolLabel}=${pool.vendor_pool_id}`)}`
    : '';
  const nodeNames = async () => {
    const items = ((await clusterRequest(target, 'GET', `/api/v1/nodes${sel}`)).body as any).items as {
      metadata: { name: string };
    }[];
    return v.poolNodes ? v.poolNodes(items, pool) : items.map((n) => n.metadata.name);
  };
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
            ...(v.poolLabel
              ? { nodeSelector: { [v.poolLabel]: pool.vendor_pool_id } }
              : {
                  affinity: {
                    nodeAffinity: {
                      requiredDuringSchedulingIgnoredDuringExecution: {
                        nodeSelectorTerms: [
                          {
                            matchExpressions: [
                              { key: 'kubernetes.io/hostname', operator: 'In', values: await nodeNames() },
                            ],
                          },
                        ],
                      },
                    },
                  },
                }),
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
  const injectedRemove = phaseBurst(v, 'remove');
  const removal = await t.api('DELETE', `/api/v1/clusters/${clusterId}/nodes/${encodeURIComponent(victim)}`, {
    token: admin,
  });
  expect(removal.status).toBe(202);
  await injectedRemove;
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
  injectedPool = phaseBurst(v, 'pool');
  const del = await t.api('DELETE', `/api/v1/clusters/${clusterId}/node-pools/${pool.id}`, { token: admin });
  expect(del.status).toBe(202);
  await injectedPool;
  expect((await settled(t, admin, del.body.data.id, 60_000)).status).toBe('succeeded');
  expect(await eventually(async () => ((await nodeNames()).length === 0 ? true : null), 20_000)).toBe(true);

  // kubeconfig refresh: the credential is near its expiry; the scheduled job replaces it through a burst
  if (v.kubeconfigCall) {
    const soon = new Date(Date.now() + 3600_000);
    await t.sql.query('UPDATE clusters SET credential_expires_at = $2 WHERE id = $1', [clusterId, soon]);
    const issued = outage(v.sim, v.kubeconfigCall);
    burst(v.sim, v.kubeconfigCall);
    const renewed = await eventually(async () => {
      const c = (await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).body.data;
      return c.credential_expires_at && Date.parse(c.credential_expires_at) > soon.getTime() + 86_400_000
        ? c
        : null;
    }, 90_000);
    expect(renewed).toMatchObject({ status: 'active' });
    expect(outage(v.sim, v.kubeconfigCall) - issued).toBeGreaterThanOrEqual(6); // 5 refused, then issued
    const again = await t.api('GET', `/api/v1/clusters/${clusterId}/resources/pods?namespace=kube-system`, {
      token: admin,
    });
    expect(again.status).toBe(200); // the new kubeconfig works
  }

  // destroy (burst)
  const injectedDestroy = phaseBurst(v, 'destroy');
  const destroy = await t.api('DELETE', `/api/v1/clusters/${clusterId}?destroy=true`, { token: admin });
  expect(destroy.status).toBe(202);
  await injectedDestroy;
  expect((await settled(t, admin, destroy.body.data.id, 60_000)).status).toBe('succeeded');
  expect((await t.api('GET', `/api/v1/clusters/${clusterId}`, { token: admin })).status).toBe(404);
}
