// Rancher end to end against the faithful simulator, a 5 × 503 burst in every polling phase (issue 14):
// create → active → pods → pool create/resize/delete → drain + remove a node (running pods, PDB) →
// kubeconfig refresh by the scheduled job → destroy. Pools' machines are real kwok nodes in the testbed.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startRancherSimulator } from '../simulators/rancher/simulator.js';
import type { RunningSimulator } from '../simulators/common/types.js';
import { settled, simCredential } from '../helpers/providers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { runLifecycle } from './vendor-lifecycle.js';

const pool = (name: string, desired_size: number, roles: string[]) => ({
  name,
  desired_size,
  roles,
  machine_config: { kind: 'Amazonec2Config', name: `nc-${name}` },
});
const spec = {
  kubernetes_version: 'v1.31.4+rke2r1',
  cloud_credential: 'cattle-global-data:cc-abcde',
  node_pools: [pool('cp', 1, ['etcd', 'control-plane']), pool('workers', 1, ['worker'])],
};

describe('Rancher lifecycle with vendor outages (e2e, simulator, testbed)', () => {
  let sim: RunningSimulator;
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    sim = await startRancherSimulator({ timeScale: 0.05 });
    t = await startTestApp({
      env: { BERTH_CREDENTIAL_REFRESH_INTERVAL_SECONDS: '5', BERTH_VENDOR_READ_TIMEOUT_MS: '500' },
    });
    admin = await t.login();
  });
  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('create → active → pods → pool create/resize/delete → drain + remove a node → kubeconfig refresh → destroy, through 503 bursts', async () => {
    const name = 'ran-outages';
    await runLifecycle(
      t,
      admin,
      {
        sim,
        provider: 'rancher',
        spec,
        pool: { roles: ['worker'], machine_config: { kind: 'Amazonec2Config', name: 'nc-life' } },
        // Berth reads the provisioning cluster (and its CAPI machines) to follow every change.
        resizes: 'updateCluster',
        polls: { create: 'getCluster', pool: 'getCluster', remove: 'getCluster', destroy: 'getCluster' },
        initiates: {
          create: 'createCluster',
          pool: 'updateCluster',
          remove: 'updateCluster',
          destroy: 'deleteCluster',
        },
        // RKE2 nodes carry no pool label: the machine names do (`<cluster>-<pool>-<hash>-<hash>`).
        poolNodes: (all, p) =>
          all.map((n) => n.metadata.name).filter((n) => n.startsWith(`${name}-${p.name}-`)),
        kubeconfigCall: 'generateKubeconfig',
      },
      name,
    );
    expect(sim.server.faults.list()).toEqual([]); // every burst was spent on Berth's polling
  }, 400_000);

  it('a slow Rancher: node pools answer from the stored records at once, marked stale with synced_at', async () => {
    const credentialId = await simCredential(t, admin, sim, 'ran-stale');
    const res = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'rancher', credential_id: credentialId, name: 'ran-stale', spec },
    });
    expect((await settled(t, admin, res.body.data.id, 90_000)).status).toBe('succeeded');
    const clusterId = res.body.data.target_id as string;
    const fresh = await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin });
    expect(fresh.status).toBe(200);
    expect(fresh.body.data.data.map((p: { stale: boolean }) => p.stale)).toEqual([false, false]);
    const syncedAt = fresh.body.data.data.map((p: { synced_at: string }) => p.synced_at);
    for (const s of syncedAt) expect(Date.parse(s)).toBeGreaterThan(Date.now() - 60_000);

    // Every Rancher read now takes 4 s; Berth waits 500 ms (vendors.read_timeout_ms), then answers.
    sim.addFault({ kind: 'slow', method: 'GET', path: '^/v1/', delay_ms: 4000 });
    try {
      const started = Date.now();
      const slow = await t.api('GET', `/api/v1/clusters/${clusterId}/node-pools`, { token: admin });
      const took = Date.now() - started;
      expect(slow.status).toBe(200);
      expect(took).toBeLessThan(2500);
      expect(
        slow.body.data.data.map((p: { name: string; stale: boolean; desired_size: number }) => [
          p.name,
          p.stale,
          p.desired_size,
        ]),
      ).toEqual([
        ['cp', true, 1],
        ['workers', true, 1],
      ]);
      // synced_at is when the vendor last answered (the fresh read above), not now.
      expect(slow.body.data.data.map((p: { synced_at: string }) => p.synced_at)).toEqual(syncedAt);
    } finally {
      sim.clearFaults();
    }
    const destroy = await t.api('DELETE', `/api/v1/clusters/${clusterId}?destroy=true`, { token: admin });
    expect((await settled(t, admin, destroy.body.data.id, 90_000)).status).toBe('succeeded');
  }, 200_000);
});
