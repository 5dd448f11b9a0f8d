// Drives the Rancher simulator with plain fetch, the way Berth's Rancher adapter talks to Rancher (v3 + v1).
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { startRancherSimulator, type RancherSimulator } from './simulator.js';

const TARGETS = [{ name: 't', server: 'https://127.0.0.1:6443', token: 'x', ca_data: '' }];
let sim: RancherSimulator;
let endpoint: string;
let token: string;

interface Call {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- vendor JSON, asserted field by field
  text: string;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Call> {
  const res = await fetch(path.startsWith('http') ? path : endpoint + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'user-agent': 'berth/0.1',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const condition = (c: Call, type: string) =>
  (c.body.status.conditions as { type: string; status: string; message?: string }[]).find(
    (x) => x.type === type,
  );
const PROV = '/v1/provisioning.cattle.io.clusters';
const provBody = (name: string, workers = 2) => ({
  type: 'provisioning.cattle.io.cluster',
  metadata: { name, namespace: 'fleet-default' },
  spec: {
    kubernetesVersion: 'v1.31.4+rke2r1',
    cloudCredentialSecretName: 'cattle-global-data:cc-abcde',
    rkeConfig: {
      machinePools: [
        {
          name: 'cp',
          quantity: 1,
          etcdRole: true,
          controlPlaneRole: true,
          workerRole: false,
          machineConfigRef: { kind: 'Amazonec2Config', name: 'nc-cp' },
        },
        {
          name: 'workers',
          quantity: workers,
          etcdRole: false,
          controlPlaneRole: false,
          workerRole: true,
          machineConfigRef: { kind: 'Amazonec2Config', name: 'nc-w' },
        },
      ],
    },
  },
});

beforeAll(async () => {
  sim = await startRancherSimulator({ targets: TARGETS, timeScale: 0.1 });
  endpoint = String(sim.credential.settings.endpoint);
  token = sim.credential.secrets.token;
});

afterAll(async () => {
  await sim.close();
});

describe('Rancher simulator: auth', () => {
  it('answers 401 in Rancher error format for a missing or wrong token', async () => {
    const none = await call('GET', '/v3/clusters', undefined, { authorization: '' });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({
      type: 'error',
      status: 401,
      code: 'Unauthorized',
      message: expect.any(String),
    });
    const wrong = await call('GET', '/v3/clusters', undefined, { authorization: 'Bearer token-abcde:wrong' });
    expect(wrong.status).toBe(401);
    expect(token).toMatch(/^token-[a-z0-9]+:.+$/);
  });

  it('enforces CSRF for browser-like User-Agents', async () => {
    const browser = await call('GET', '/v3/clusters', undefined, {
      'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)',
    });
    expect(browser.status).toBe(403);
    expect(browser.body).toMatchObject({ type: 'error', status: 403, code: 'InvalidCSRFToken' });
    const withCsrf = await call('GET', '/v3/clusters', undefined, {
      'user-agent': 'Mozilla/5.0',
      cookie: 'CSRF=abc123',
      'x-api-csrf': 'abc123',
    });
    expect(withCsrf.status).toBe(200);
  });
});

describe('Rancher simulator: provisioned RKE2 cluster (v1 Steve + v3 management)', () => {
  it('provisions, hands out a kubeconfig, scales a machine pool with GET-then-PUT, lists nodes, and deletes', async () => {
    const created = await call('POST', PROV, provBody('prod'));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'fleet-default/prod',
      type: 'provisioning.cattle.io.cluster',
      metadata: { name: 'prod', namespace: 'fleet-default' },
    });
    const mgmtId: string = created.body.status.clusterName;
    expect(mgmtId).toMatch(/^c-m-[a-z0-9]{8}$/);
    expect(condition(created, 'Ready')?.status).toBe('False');

    // the management cluster exists right away, but is not ready for a kubeconfig yet
    const v3 = await call('GET', `/v3/clusters/${mgmtId}`);
    expect(v3.body).toMatchObject({
      id: mgmtId,
      type: 'cluster',
      name: 'prod',
      state: 'provisioning',
      transitioning: 'yes',
    });
    const early = await call('POST', `/v3/clusters/${mgmtId}?action=generateKubeconfig`);
    expect(early.status).toBe(503);
    expect(early.body).toMatchObject({ type: 'error', code: 'ClusterUnavailable' });

    const ready = await waitFor('Ready', async () => {
      const c = await call('GET', `${PROV}/fleet-default/prod`);
      return condition(c, 'Ready')?.status === 'True' ? c : undefined;
    });
    expect(ready.body.metadata.state).toMatchObject({ name: 'active', error: false, transitioning: false });
    expect((await call('GET', `/v3/clusters/${mgmtId}`)).body).toMatchObject({
      state: 'active',
      transitioning: 'no',
      nodeCount: 3,
    });

    const kc = await call('POST', `/v3/clusters/${mgmtId}?action=generateKubeconfig`);
    expect(kc.status).toBe(200);
    expect(kc.body.type).toBe('generateKubeConfigOutput');
    expect(kc.body.config).toContain('server: "https://127.0.0.1:6443"');
    expect(kc.body.config).toContain('token: "x"');
    expect(kc.body.config).toContain('current-context: "prod"');

    const nodes = await call('GET', `/v3/nodes?clusterId=${mgmtId}`);
    expect(nodes.body.type).toBe('collection');
    expect(nodes.body.data).toHaveLength(3);
    const workers = nodes.body.data.filter((n: { worker: boolean }) => n.worker);
    expect(workers).toHaveLength(2);
    expect(workers[0]).toMatchObject({
      clusterId: mgmtId,
      state: 'active',
      controlPlane: false,
      etcd: false,
      nodePoolId: '', // v3 node pools are RKE1's; RKE2 machines carry the pool label (below)
      ipAddress: expect.stringMatching(/^10\./),
    });
    expect(workers[0].nodeName).toMatch(/^prod-workers-/);
    expect(workers[0].hostname).toBe(workers[0].nodeName);

    // GET then PUT with a new quantity; a stale resourceVersion is refused
    const current = ready.body;
    const rv: string = current.metadata.resourceVersion;
    const scaled = structuredClone(current);
    scaled.spec.rkeConfig.machinePools[1].quantity = 4;
    const put = await call('PUT', `${PROV}/fleet-default/prod`, scaled);
    expect(put.status).toBe(200);
    expect(put.body.metadata.resourceVersion).not.toBe(rv);
    // As the real controller: the new generation is observed at once and Updated/Ready stay True until
    // the planner starts; only the machines tell the change is not done.
    expect(put.body.metadata.generation).toBe(current.metadata.generation + 1);
    expect(put.body.status.observedGeneration).toBe(put.body.metadata.generation);
    expect(condition(put, 'Updated')?.status).toBe('True');
    expect(condition(put, 'Ready')?.status).toBe('True');
    await waitFor('planner', async () => {
      const c = await call('GET', `${PROV}/fleet-default/prod`);
      return condition(c, 'Updated')?.status === 'Unknown' ? c : undefined;
    });
    const machines = await call(
      'GET',
      `/v1/cluster.x-k8s.io.machines/fleet-default?labelSelector=${encodeURIComponent('cluster.x-k8s.io/cluster-name=prod')}`,
    );
    const workerMachines = machines.body.data.filter(
      (m: { metadata: { labels: Record<string, string> } }) =>
        m.metadata.labels['rke.cattle.io/rke-machine-pool-name'] === 'workers',
    );
    expect(workerMachines).toHaveLength(4);
    expect(
      workerMachines.filter((m: { status: { phase: string } }) => m.status.phase === 'Running'),
    ).toHaveLength(2);
    expect(workerMachines[0].status.nodeRef.name).toBe(workerMachines[0].metadata.name);
    const stale = await call('PUT', `${PROV}/fleet-default/prod`, scaled);
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ type: 'error', status: 409, code: 'Conflict' });

    await waitFor('scaled', async () => {
      const c = await call('GET', `${PROV}/fleet-default/prod`);
      return condition(c, 'Updated')?.status === 'True' && condition(c, 'Ready')?.status === 'True'
        ? c
        : undefined;
    });
    const after = await call('GET', `/v3/nodes?clusterId=${mgmtId}&worker=true`);
    expect(after.body.data).toHaveLength(4);
    expect(after.body.data.every((n: { state: string }) => n.state === 'active')).toBe(true);

    // the Steve list shows it with a revision
    const list = await call('GET', PROV);
    expect(list.body).toMatchObject({
      type: 'collection',
      resourceType: 'provisioning.cattle.io.cluster',
      revision: expect.any(String),
    });
    expect(list.body.data.map((c: { id: string }) => c.id)).toContain('fleet-default/prod');

    // delete: removing first, then gone from v1 and v3
    const del = await call('DELETE', `${PROV}/fleet-default/prod`);
    expect(del.status).toBe(200);
    expect(del.body.metadata.deletionTimestamp).toEqual(expect.any(String));
    expect((await call('GET', `/v3/clusters/${mgmtId}`)).body.state).toBe('removing');
    await waitFor('deleted', async () =>
      (await call('GET', `${PROV}/fleet-default/prod`)).status === 404 ? true : undefined,
    );
    const gone = await call('GET', `/v3/clusters/${mgmtId}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ type: 'error', status: 404, code: 'NotFound' });
    expect((await call('GET', `/v3/nodes?clusterId=${mgmtId}`)).body.data).toHaveLength(0);
  });

  it('validates the provisioning body', async () => {
    const noName = await call('POST', PROV, { ...provBody('x'), metadata: { namespace: 'fleet-default' } });
    expect(noName.status).toBe(422);
    expect(noName.body).toMatchObject({ code: 'MissingRequired', fieldName: 'metadata.name' });
    const badName = await call('POST', PROV, {
      ...provBody('x'),
      metadata: { name: 'Bad_Name', namespace: 'fleet-default' },
    });
    expect(badName.body).toMatchObject({ status: 422, code: 'InvalidFormat' });
    const wrongNs = await call('POST', PROV, {
      ...provBody('x'),
      metadata: { name: 'x', namespace: 'default' },
    });
    expect(wrongNs.body).toMatchObject({
      status: 422,
      code: 'InvalidFormat',
      fieldName: 'metadata.namespace',
    });
    const body = provBody('nopools');
    body.spec.rkeConfig.machinePools = [];
    const noPools = await call('POST', PROV, body);
    expect(noPools.body).toMatchObject({
      status: 422,
      code: 'MissingRequired',
      fieldName: 'spec.rkeConfig.machinePools',
    });
    expect((await call('POST', PROV, provBody('dup'))).status).toBe(201);
    const dup = await call('POST', PROV, provBody('dup'));
    expect(dup.status).toBe(409);
    expect((await call('GET', `${PROV}/fleet-default/nope`)).status).toBe(404);
    await call('DELETE', `${PROV}/fleet-default/dup`);
  });
});

describe('Rancher simulator: imported cluster', () => {
  it('imports a cluster and walks the registration token flow until the cluster is active', async () => {
    const created = await call('POST', '/v3/clusters', { type: 'cluster', name: 'edge' });
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect(id).toMatch(/^c-[a-z0-9]{5}$/);
    expect(created.body).toMatchObject({ driver: 'imported', state: 'pending' });

    const missing = await call('GET', `/v3/clusterregistrationtokens/${id}:default-token`);
    expect(missing.status).toBe(404);
    const tok = await call('POST', '/v3/clusterregistrationtokens', {
      type: 'clusterRegistrationToken',
      clusterId: id,
      name: 'default-token',
    });
    expect(tok.status).toBe(201);
    expect(tok.body.id).toBe(`${id}:default-token`);
    const again = await call('POST', '/v3/clusterregistrationtokens', {
      type: 'clusterRegistrationToken',
      clusterId: id,
      name: 'default-token',
    });
    expect(again.status).toBe(409);

    const active = await waitFor('token active', async () => {
      const t = await call('GET', `/v3/clusterregistrationtokens/${id}:default-token`);
      return t.body.state === 'active' && t.body.command ? t : undefined;
    });
    expect(active.body.command).toMatch(/^kubectl apply -f http.*\.yaml$/);
    expect(active.body.manifestUrl).toMatch(new RegExp(`/v3/import/[a-z0-9]+_${id}\\.yaml$`));
    const manifest = await fetch(active.body.manifestUrl);
    expect(manifest.status).toBe(200);
    expect(await manifest.text()).toContain('cattle-system');

    await waitFor('cluster active', async () =>
      (await call('GET', `/v3/clusters/${id}`)).body.state === 'active' ? true : undefined,
    );
    const kc = await call('POST', `/v3/clusters/${id}?action=generateKubeconfig`);
    expect(kc.body.config).toContain('current-context: "edge"');
    const nodes = await call('GET', `/v3/nodes?clusterId=${id}`);
    expect(nodes.body.data).toHaveLength(1);
    expect(nodes.body.data[0]).toMatchObject({
      controlPlane: true,
      etcd: true,
      worker: true,
      state: 'active',
    });

    const put = await call('PUT', `/v3/clusters/${id}`, { description: 'edge site' });
    expect(put.body.description).toBe('edge site');
    const del = await call('DELETE', `/v3/clusters/${id}`);
    expect(del.body.state).toBe('removing');
    await waitFor('removed', async () =>
      (await call('GET', `/v3/clusters/${id}`)).status === 404 ? true : undefined,
    );
  });

  it('rejects a duplicate name and a missing name with 422', async () => {
    expect((await call('POST', '/v3/clusters', { type: 'cluster', name: 'twice' })).status).toBe(201);
    const dup = await call('POST', '/v3/clusters', { type: 'cluster', name: 'twice' });
    expect(dup.body).toMatchObject({ status: 422, code: 'NotUnique', fieldName: 'name' });
    const none = await call('POST', '/v3/clusters', { type: 'cluster' });
    expect(none.body).toMatchObject({ status: 422, code: 'MissingRequired', fieldName: 'name' });
  });

  it('pages v3 collections with limit + marker and pagination.next', async () => {
    for (const n of ['page-a', 'page-b', 'page-c'])
      expect((await call('POST', '/v3/clusters', { type: 'cluster', name: n })).status).toBe(201);
    const all = (await call('GET', '/v3/clusters')).body;
    const total: number = all.pagination.total;
    expect(total).toBeGreaterThanOrEqual(3);
    const seen: string[] = [];
    let next: string | undefined = '/v3/clusters?limit=2';
    let pages = 0;
    while (next) {
      const page = await call('GET', next);
      expect(page.body.pagination).toMatchObject({ limit: 2, total });
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.map((c: { id: string }) => c.id));
      next = page.body.pagination.next;
      if (next) expect(page.body.pagination.partial).toBe(true);
      pages++;
    }
    expect(pages).toBe(Math.ceil(total / 2));
    expect(new Set(seen).size).toBe(total);
    const filtered = await call('GET', '/v3/clusters?name=page-b');
    expect(filtered.body.data.map((c: { name: string }) => c.name)).toEqual(['page-b']);
  });
});

describe('Rancher simulator: faults', () => {
  it('renders an error fault as a Rancher error, then recovers', async () => {
    sim.addFault({ kind: 'error', method: 'GET', path: '^/v3/clusters$', status: 503, count: 1 });
    const failed = await call('GET', '/v3/clusters');
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ type: 'error', status: 503, code: 'ClusterUnavailable' });
    expect((await call('GET', '/v3/clusters')).status).toBe(200);
  });

  it('throttles with 429 in Rancher error format', async () => {
    sim.addFault({ kind: 'throttle', action: 'listClusters', count: 1 });
    const throttled = await call('GET', PROV);
    expect(throttled.status).toBe(429);
    expect(throttled.body).toMatchObject({ type: 'error', status: 429 });
    expect((await call('GET', PROV)).status).toBe(200);
  });

  it('slows a call down', async () => {
    sim.addFault({ kind: 'slow', action: 'getCluster', delay_ms: 300, count: 1 });
    const t0 = Date.now();
    expect((await call('GET', '/v3/clusters/c-nope0')).status).toBe(404);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
  });

  it('fail-task: the next provisioning cluster ends with a failed Ready condition', async () => {
    sim.addFault({
      kind: 'fail-task',
      action: 'createCluster',
      path: '^/v1/',
      message: 'machine provisioning failed: quota exceeded',
      count: 1,
    });
    const created = await call('POST', PROV, provBody('doomed'));
    expect(created.status).toBe(201);
    const mgmtId: string = created.body.status.clusterName;
    const failed = await waitFor('failure', async () => {
      const c = await call('GET', `${PROV}/fleet-default/doomed`);
      return c.body.metadata.state.name === 'error' ? c : undefined;
    });
    expect(condition(failed, 'Ready')).toMatchObject({
      status: 'False',
      message: 'machine provisioning failed: quota exceeded',
    });
    expect(failed.body.metadata.state).toMatchObject({
      error: true,
      message: 'machine provisioning failed: quota exceeded',
    });
    expect((await call('GET', `/v3/clusters/${mgmtId}`)).body).toMatchObject({
      transitioning: 'error',
      transitioningMessage: 'machine provisioning failed: quota exceeded',
    });
    // the fault was used up: the next cluster provisions normally
    expect((await call('POST', PROV, provBody('fine'))).status).toBe(201);
    await waitFor('fine ready', async () =>
      condition(await call('GET', `${PROV}/fleet-default/fine`), 'Ready')?.status === 'True'
        ? true
        : undefined,
    );
  });
});
