import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { importCluster, testbed } from '../helpers/clusters.js';
import { eventually, startTestApp, type TestApp, userToken } from '../helpers/test-app.js';
import type { TestbedCluster } from '../testbed/state.js';

const NS = `berth-e2e-${randomBytes(3).toString('hex')}`;

const manifest = (replicas: number, cmValue = '1') => `
apiVersion: v1
kind: Namespace
metadata: {name: ${NS}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: ${NS}}
data: {value: "${cmValue}"}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: ${NS}}
stringData: {password: hunter2-very-secret}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${NS}, labels: {app: web}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: nginx:1.27}]
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wdg]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;

describe('live reads and writes (e2e, real testbed clusters)', () => {
  let t: TestApp;
  let admin: string;
  let viewer: string;
  let tb: TestbedCluster[];
  const ids: string[] = [];
  let blackhole: Server;

  beforeAll(async () => {
    tb = testbed();
    t = await startTestApp({ env: { BERTH_KUBE_TIMEOUT_MS: '2000' } });
    admin = await t.login();
    viewer = await userToken(t, admin, 'viewer', 'viewer');
    for (const c of tb) ids.push(await importCluster(t, admin, c));
    // A CRD is cluster-wide: remove one an earlier run left behind, so this run starts from nothing.
    const crd = `/api/v1/clusters/${ids[0]}/resources/customresourcedefinitions/widgets.example.com`;
    await t.api('DELETE', crd, { token: admin });
    await eventually(async () => (await t.api('GET', crd, { token: admin })).status === 404, 60_000, 500);
    blackhole = createServer(() => undefined); // accepts connections, never answers
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    for (const id of ids.slice(0, tb.length)) {
      await t
        .api('DELETE', `/api/v1/clusters/${id}/resources/namespaces/${NS}`, { token: admin })
        .catch(() => undefined);
    }
    await t.api(
      'DELETE',
      `/api/v1/clusters/${ids[0]}/resources/customresourcedefinitions/widgets.example.com`,
      { token: admin },
    );
    blackhole.close();
    await t.close();
  });

  it('applies a multi-document manifest: created, then unchanged, then configured; dry run persists nothing', async () => {
    const first = await t.api('POST', `/api/v1/clusters/${ids[0]}/apply`, {
      token: admin,
      body: { manifest: manifest(5) },
    });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({
      created: 5,
      configured: 0,
      unchanged: 0,
      failed: 0,
      dry_run: false,
    });
    expect(
      first.body.data.results.map((r: { kind: string; action: string }) => `${r.kind}:${r.action}`),
    ).toEqual([
      'Namespace:created',
      'ConfigMap:created',
      'Secret:created',
      'Deployment:created',
      'CustomResourceDefinition:created',
    ]);
    const again = await t.api('POST', `/api/v1/clusters/${ids[0]}/apply`, {
      token: admin,
      body: { manifest: manifest(5) },
    });
    expect(again.body.data).toMatchObject({ created: 0, unchanged: 5 });
    const changed = await t.api('POST', `/api/v1/clusters/${ids[0]}/apply`, {
      token: admin,
      body: { manifest: manifest(5, '2') },
    });
    expect(changed.body.data.results[1]).toMatchObject({ kind: 'ConfigMap', action: 'configured' });
    const dry = await t.api('POST', `/api/v1/clusters/${ids[0]}/apply`, {
      token: admin,
      body: {
        manifest: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dry","namespace":"${NS}"}}`,
        dry_run: true,
      },
    });
    expect(dry.body.data).toMatchObject({ dry_run: true, created: 1 });
    expect(
      (
        await t.api('GET', `/api/v1/clusters/${ids[0]}/resources/configmaps/dry?namespace=${NS}`, {
          token: admin,
        })
      ).status,
    ).toBe(404);
  });

  it('reports per-object failures, and 422 only when everything failed', async () => {
    const mixed = await t.api('POST', `/api/v1/clusters/${ids[0]}/apply`, {
      token: admin,
      body: {
        manifest: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok2, namespace: ${NS}}\n---\napiVersion: nope.io/v9\nkind: Gadget\nmetadata: {name: g}\n---\nkind: ConfigMap\n`,
      },
    });
    expect(mixed.status).toBe(200);
    expect(mixed.body.data).toMatchObject({ created: 1, failed: 2 });
    expect(mixed.body.data.results[1].error.code).toBe(40402);
    expect(mixed.body.data.results[2].error.message).toContain('apiVersion, kind and metadata.name');
    const allBad = await t.api('POST', `/api/v1/clusters/${ids[0]}/apply`, {
      token: admin,
      body: {
        manifest: `apiVersion: v1\nkind: Pod\nmetadata: {name: bad, namespace: ${NS}}\nspec: {containers: []}\n`,
      },
    });
    expect(allBad.status).toBe(422);
    expect(allBad.body.code).toBe(42203);
    expect(allBad.body.data.results[0].error.message).toMatch(/containers/i);
    const notYaml = await t.api('POST', `/api/v1/clusters/${ids[0]}/apply`, {
      token: admin,
      body: { manifest: 'a: [unclosed' },
    });
    expect(notYaml.status).toBe(400);
    expect(
      (
        await t.api('POST', `/api/v1/clusters/${ids[0]}/apply`, {
          token: viewer,
          body: { manifest: manifest(1) },
        })
      ).status,
    ).toBe(403);
  });

  it('lists discovery, core kinds and a CRD', async () => {
    const kinds = await t.api('GET', `/api/v1/clusters/${ids[0]}/api-resources?page_size=500`, {
      token: viewer,
    });
    const names = kinds.body.data.data.map((r: { name: string; group: string }) => `${r.name}.${r.group}`);
    expect(names).toEqual(expect.arrayContaining(['pods.', 'deployments.apps', 'widgets.example.com']));
    const apps = await t.api('GET', `/api/v1/clusters/${ids[0]}/api-resources?group=apps&namespaced=true`, {
      token: viewer,
    });
    expect(
      apps.body.data.data.every(
        (r: { group: string; namespaced: boolean }) => r.group === 'apps' && r.namespaced,
      ),
    ).toBe(true);

    await t.api('POST', `/api/v1/clusters/${ids[0]}/apply`, {
      token: admin,
      body: {
        manifest: `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: ${NS}}\nspec: {size: 3}\n`,
      },
    });
    for (const name of ['widgets', 'widgets.example.com', 'wdg', 'Widget']) {
      const list = await t.api('GET', `/api/v1/clusters/${ids[0]}/resources/${name}?namespace=${NS}`, {
        token: viewer,
      });
      expect(list.status).toBe(200);
      expect(list.body.data).toMatchObject({ api_version: 'example.com/v1', kind: 'Widget', total: 1 });
      expect(list.body.data.data).toEqual([
        expect.objectContaining({ metadata: expect.objectContaining({ name: 'w1' }), spec: { size: 3 } }),
      ]);
    }
    // Custom resources come back as unstructured lists (metadata after items): page them too.
    await t.api('POST', `/api/v1/clusters/${ids[0]}/apply`, {
      token: admin,
      body: {
        manifest: [2, 3, 4, 5]
          .map((i) => `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w${i}, namespace: ${NS}}\n`)
          .join('---\n'),
      },
    });
    const widgets: string[] = [];
    for (const p of [1, 2, 3]) {
      const res = await t.api(
        'GET',
        `/api/v1/clusters/${ids[0]}/resources/widgets?namespace=${NS}&page=${p}&page_size=2`,
        { token: viewer },
      );
      expect(res.body.data).toMatchObject({ total: 5, total_page: 3, kind: 'Widget' });
      widgets.push(...res.body.data.data.map((o: { metadata: { name: string } }) => o.metadata.name));
    }
    expect(widgets.sort()).toEqual(['w1', 'w2', 'w3', 'w4', 'w5']);
    const unknown = await t.api('GET', `/api/v1/clusters/${ids[0]}/resources/gizmos`, { token: viewer });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(40402);
  });

  it('pages pods through Kubernetes continue tokens with exact totals, with and without selectors', async () => {
    await eventually(
      async () => {
        const res = await t.api(
          'GET',
          `/api/v1/clusters/${ids[0]}/namespaces/${NS}/pods?field_selector=status.phase=Running`,
          { token: viewer },
        );
        return res.body.data?.total === 5;
      },
      60_000,
      500,
    );
    for (const selector of ['', '&label_selector=app=web']) {
      const seen: string[] = [];
      for (const [p, n] of [
        [1, 2],
        [2, 2],
        [3, 1],
      ]) {
        const res = await t.api(
          'GET',
          `/api/v1/clusters/${ids[0]}/resources/pods?namespace=${NS}&page=${p}&page_size=2${selector}`,
          { token: viewer },
        );
        expect(res.status).toBe(200);
        expect(res.body.data).toMatchObject({ cur_page: p, cur_page_size: 2, total: 5, total_page: 3 });
        expect(res.body.data.data).toHaveLength(n);
        expect(res.body.data).toMatchObject({ api_version: 'v1', kind: 'Pod' });
        expect(res.body.data.data[0]).toMatchObject({
          metadata: { namespace: NS },
          spec: expect.any(Object),
        });
        seen.push(...res.body.data.data.map((o: { metadata: { name: string } }) => o.metadata.name));
      }
      expect(new Set(seen).size).toBe(5);
    }
    // Page 3 asked cold (no cached token): found by a metadata-only skip.
    const cold = await t.api(
      'GET',
      `/api/v1/clusters/${ids[0]}/resources/pods?namespace=${NS}&page=3&page_size=2&label_selector=app%3Dweb,tier!%3Dx`,
      { token: viewer },
    );
    expect(cold.body.data).toMatchObject({
      total: 5,
      kind: 'Pod',
      data: [expect.objectContaining({ metadata: expect.objectContaining({ namespace: NS }) })],
    });
    const beyond = await t.api(
      'GET',
      `/api/v1/clusters/${ids[0]}/resources/pods?namespace=${NS}&page=9&page_size=2`,
      { token: viewer },
    );
    expect(beyond.body.data).toMatchObject({ total: 5, data: [] });
  });

  it('gets objects, keeps Kubernetes errors (404, namespace needed) and checks path parameters', async () => {
    const dep = await t.api('GET', `/api/v1/clusters/${ids[0]}/namespaces/${NS}/deployments/web`, {
      token: viewer,
    });
    expect(dep.body.data).toMatchObject({ kind: 'Deployment', metadata: { name: 'web', namespace: NS } });
    const missing = await t.api(
      'GET',
      `/api/v1/clusters/${ids[0]}/resources/deployments/nope?namespace=${NS}`,
      { token: viewer },
    );
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain('"nope" not found');
    expect(missing.body.data).toMatchObject({
      cluster_id: ids[0],
      kube_status: 404,
      kube_reason: 'NotFound',
    });
    const noNs = await t.api('GET', `/api/v1/clusters/${ids[0]}/resources/deployments/web`, {
      token: viewer,
    });
    expect(noNs.status).toBe(400);
    const badNs = await t.api('GET', `/api/v1/clusters/${ids[0]}/namespaces/Bad_NS/pods`, { token: viewer });
    expect(badNs.status).toBe(400);
    const badKind = await t.api('GET', `/api/v1/clusters/${ids[0]}/namespaces/${NS}/daemonsets`, {
      token: viewer,
    });
    expect(badKind.status).toBe(400);
    const ns = await t.api('GET', `/api/v1/clusters/${ids[0]}/namespaces/${NS}`, { token: viewer });
    expect(ns.body.data.kind).toBe('Namespace');
  });

  it('creates a namespace through the friendly route, keeping Kubernetes conflicts', async () => {
    const name = `${NS}-extra`;
    const created = await t.api('POST', `/api/v1/clusters/${ids[1]}/namespaces`, {
      token: admin,
      body: { name, labels: { team: 'e2e' } },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      kind: 'Namespace',
      metadata: { name, labels: expect.objectContaining({ team: 'e2e' }) },
    });
    const again = await t.api('POST', `/api/v1/clusters/${ids[1]}/namespaces`, {
      token: admin,
      body: { name },
    });
    expect(again.status).toBe(409);
    expect(again.body.data).toMatchObject({ kube_status: 409, kube_reason: 'AlreadyExists' });
    expect(
      (
        await t.api('POST', `/api/v1/clusters/${ids[1]}/namespaces`, {
          token: viewer,
          body: { name: `${name}-v` },
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await t.api('POST', `/api/v1/clusters/${ids[1]}/namespaces`, {
          token: admin,
          body: { name: 'Not_A_Label' },
        })
      ).status,
    ).toBe(400);
    expect(
      (await t.api('DELETE', `/api/v1/clusters/${ids[1]}/resources/namespaces/${name}`, { token: admin }))
        .status,
    ).toBe(200);
  });

  it('redacts Secret values unless an admin asks', async () => {
    const asViewer = await t.api('GET', `/api/v1/clusters/${ids[0]}/resources/secrets/db?namespace=${NS}`, {
      token: viewer,
    });
    expect(asViewer.body.data.data.password).toBe('<redacted>');
    expect(asViewer.text).not.toContain(Buffer.from('hunter2-very-secret').toString('base64'));
    const list = await t.api('GET', `/api/v1/clusters/${ids[0]}/resources/secrets?namespace=${NS}`, {
      token: viewer,
    });
    expect(list.text).not.toContain(Buffer.from('hunter2-very-secret').toString('base64'));
    expect(
      (
        await t.api(
          'GET',
          `/api/v1/clusters/${ids[0]}/resources/secrets/db?namespace=${NS}&show_secret_values=true`,
          { token: viewer },
        )
      ).status,
    ).toBe(403);
    const asAdmin = await t.api(
      'GET',
      `/api/v1/clusters/${ids[0]}/resources/secrets/db?namespace=${NS}&show_secret_values=true`,
      { token: admin },
    );
    expect(Buffer.from(asAdmin.body.data.data.password, 'base64').toString()).toBe('hunter2-very-secret');
  });

  it('scales and restarts a deployment', async () => {
    const scaled = await t.api('POST', `/api/v1/clusters/${ids[0]}/namespaces/${NS}/deployments/web/scale`, {
      token: admin,
      body: { replicas: 3 },
    });
    expect(scaled.status).toBe(200);
    expect(scaled.body.data).toMatchObject({ kind: 'Scale', spec: { replicas: 3 } });
    await eventually(
      async () =>
        (
          await t.api('GET', `/api/v1/clusters/${ids[0]}/namespaces/${NS}/pods?label_selector=app=web`, {
            token: viewer,
          })
        ).body.data.total === 3,
      60_000,
      500,
    );
    expect(
      (
        await t.api('POST', `/api/v1/clusters/${ids[0]}/namespaces/${NS}/deployments/web/scale`, {
          token: admin,
          body: { replicas: -1 },
        })
      ).status,
    ).toBe(400);
    const restarted = await t.api(
      'POST',
      `/api/v1/clusters/${ids[0]}/namespaces/${NS}/deployments/web/restart`,
      { token: admin },
    );
    expect(
      restarted.body.data.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt'],
    ).toEqual(expect.any(String));
  });

  it('reads pod logs, with tail and as a follow stream', async () => {
    // The restart above replaces pods: let the rollout finish, then pick one that runs and is not going away.
    await eventually(
      async () => {
        const st = (
          await t.api('GET', `/api/v1/clusters/${ids[0]}/namespaces/${NS}/deployments/web`, { token: viewer })
        ).body.data.status;
        const pods = (
          await t.api('GET', `/api/v1/clusters/${ids[0]}/namespaces/${NS}/pods?label_selector=app=web`, {
            token: viewer,
          })
        ).body.data;
        return (
          st?.replicas === 3 && st?.updatedReplicas === 3 && st?.availableReplicas === 3 && pods.total === 3
        );
      },
      60_000,
      500,
    );
    let pod = '';
    const logs = await eventually(
      async () => {
        const pods = await t.api(
          'GET',
          `/api/v1/clusters/${ids[0]}/namespaces/${NS}/pods?field_selector=status.phase=Running`,
          { token: viewer },
        );
        const live = (
          pods.body.data.data as { metadata: { name: string; deletionTimestamp?: string } }[]
        ).find((p) => !p.metadata.deletionTimestamp);
        if (!live) return null;
        pod = live.metadata.name;
        const res = await t.api('GET', `/api/v1/clusters/${ids[0]}/namespaces/${NS}/pods/${pod}/logs`, {
          token: viewer,
        });
        return res.status === 200 && res.body.data.lines.length ? res : null;
      },
      60_000,
      1000,
    );
    expect(logs.body.data).toMatchObject({ namespace: NS, pod, truncated: false });
    expect(logs.body.data.lines[0]).toContain('log line 1');
    const tail = await t.api(
      'GET',
      `/api/v1/clusters/${ids[0]}/namespaces/${NS}/pods/${pod}/logs?tail_lines=2&timestamps=true`,
      { token: viewer },
    );
    expect(tail.body.data.lines).toHaveLength(2);
    expect(tail.body.data.lines[1]).toMatch(/^2026-01-01T00:00:20.* log line 20/);
    const res = await fetch(
      `${t.url}/api/v1/clusters/${ids[0]}/namespaces/${NS}/pods/${pod}/logs?follow=true`,
      { headers: { authorization: `Bearer ${viewer}` } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    await t.checkContract('GET', `/api/v1/clusters/${ids[0]}/namespaces/${NS}/pods/${pod}/logs`, res);
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(Buffer.from(value!).toString()).toContain('log line');
    await reader.cancel();
    await new Promise((r) => setTimeout(r, 200));
    expect(t.logs.filter((l) => l.includes('"level":"error"'))).toEqual([]);
    const gone = await t.api('GET', `/api/v1/clusters/${ids[0]}/namespaces/${NS}/pods/no-such-pod/logs`, {
      token: viewer,
    });
    expect(gone.status).toBe(404);
  });

  it('lists events newest first, filtered by involved object', async () => {
    const res = await t.api('GET', `/api/v1/clusters/${ids[0]}/events?namespace=${NS}&page_size=500`, {
      token: viewer,
    });
    expect(res.status).toBe(200);
    const events = res.body.data.data as {
      lastTimestamp?: string;
      eventTime?: string;
      metadata: { creationTimestamp: string };
    }[];
    expect(events.length).toBeGreaterThan(0);
    const times = events.map((e) =>
      Date.parse(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp),
    );
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const dep = await t.api(
      'GET',
      `/api/v1/clusters/${ids[0]}/events?namespace=${NS}&involved_kind=Deployment&involved_name=web`,
      { token: viewer },
    );
    expect(dep.body.data.total).toBeGreaterThan(0);
    expect(
      dep.body.data.data.every(
        (e: { involvedObject: { name: string; kind: string } }) =>
          e.involvedObject.kind === 'Deployment' && e.involvedObject.name === 'web',
      ),
    ).toBe(true);
  });

  it('cordons, labels and taints a node', async () => {
    const node = (await t.api('GET', `/api/v1/clusters/${ids[1]}/nodes`, { token: viewer })).body.data.data[0]
      .metadata.name;
    const cordoned = await t.api('POST', `/api/v1/clusters/${ids[1]}/nodes/${node}/cordon`, { token: admin });
    expect(cordoned.body.data.spec.unschedulable).toBe(true);
    const patched = await t.api('PATCH', `/api/v1/clusters/${ids[1]}/nodes/${node}`, {
      token: admin,
      body: {
        labels: { 'berth.test/pool': 'gpu' },
        taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
      },
    });
    expect(patched.body.data.metadata.labels['berth.test/pool']).toBe('gpu');
    expect(patched.body.data.spec.taints).toEqual(
      expect.arrayContaining([{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]),
    );
    const cleared = await t.api('PATCH', `/api/v1/clusters/${ids[1]}/nodes/${node}`, {
      token: admin,
      body: { labels: { 'berth.test/pool': null }, taints: [] },
    });
    expect(cleared.body.data.metadata.labels['berth.test/pool']).toBeUndefined();
    const uncordoned = await t.api('POST', `/api/v1/clusters/${ids[1]}/nodes/${node}/uncordon`, {
      token: admin,
    });
    expect(uncordoned.body.data.spec.unschedulable ?? false).toBe(false);
    expect(
      (await t.api('POST', `/api/v1/clusters/${ids[1]}/nodes/${node}/cordon`, { token: viewer })).status,
    ).toBe(403);
  });

  it('passes a cluster’s RBAC 403 through for a limited credential', async () => {
    const limited = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: {
        name: 'alpha-limited',
        server: tb[0].server,
        token: tb[0].limited_token,
        ca_data: tb[0].ca_data,
      },
    });
    expect(limited.status).toBe(201);
    const res = await t.api('GET', `/api/v1/clusters/${limited.body.data.id}/resources/pods`, {
      token: admin,
    });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 40300, data: { kube_status: 403, kube_reason: 'Forbidden' } });
    expect(res.body.message).toContain('cannot list resource "pods"');
    const ok = await t.api('GET', `/api/v1/clusters/${limited.body.data.id}/namespaces`, { token: admin });
    expect(ok.status).toBe(200);
    await t.api('DELETE', `/api/v1/clusters/${limited.body.data.id}`, { token: admin });
  });

  it('reads node and pod metrics from metrics.k8s.io', async () => {
    const nodes = await eventually(
      async () => {
        const res = await t.api('GET', `/api/v1/clusters/${ids[0]}/metrics/nodes`, { token: viewer });
        return res.status === 200 && res.body.data.total > 0 ? res : null;
      },
      90_000,
      1000,
    );
    expect(nodes.body.data.data[0].usage).toMatchObject({
      cpu: expect.any(String),
      cpu_millicores: expect.any(Number),
      memory_bytes: expect.any(Number),
    });
    const pods = await eventually(
      async () => {
        const res = await t.api('GET', `/api/v1/clusters/${ids[0]}/metrics/pods?namespace=${NS}`, {
          token: viewer,
        });
        return res.status === 200 && res.body.data.total > 0 ? res : null;
      },
      90_000,
      1000,
    );
    expect(pods.body.data.data[0]).toMatchObject({
      namespace: NS,
      containers: [expect.objectContaining({ name: 'app' })],
    });
  });

  it('fans out across clusters: items tagged, partial success within the timeout when clusters are dead or hung', async () => {
    const all = await t.api('GET', '/api/v1/fleet/resources/nodes?page_size=500', { token: viewer });
    expect(all.status).toBe(200);
    expect(all.body.data.clusters.map((c: { status: string }) => c.status)).toEqual(tb.map(() => 'ok'));
    expect(all.body.data.total).toBe(
      all.body.data.clusters.reduce((n: number, c: { count: number }) => n + c.count, 0),
    );
    expect(new Set(all.body.data.data.map((i: { cluster_id: string }) => i.cluster_id))).toEqual(
      new Set(ids),
    );
    expect(all.body.data.data[0]).toMatchObject({
      kind: 'Node',
      api_version: 'v1',
      object: { metadata: expect.any(Object), status: expect.any(Object) },
    });

    // Pages run across cluster boundaries.
    const seen = new Set<string>();
    const pages = Math.ceil(all.body.data.total / 4);
    for (let p = 1; p <= pages; p++) {
      const res = await t.api('GET', `/api/v1/fleet/resources/nodes?page=${p}&page_size=4`, {
        token: viewer,
      });
      expect(res.body.data).toMatchObject({ cur_page: p, total: all.body.data.total, total_page: pages });
      expect(res.body.data.data.length).toBe(p < pages ? 4 : all.body.data.total - 4 * (pages - 1));
      for (const i of res.body.data.data) seen.add(`${i.cluster_id}/${i.object.metadata.name}`);
    }
    expect(seen.size).toBe(all.body.data.total);

    const dead = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'dead', server: 'https://127.0.0.1:1', token: 'x', force: true },
    });
    const port = (blackhole.address() as { port: number }).port;
    const hung = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'hung', server: `https://127.0.0.1:${port}`, token: 'x', force: true },
    });
    expect(hung.status).toBe(201);
    const started = Date.now();
    const partial = await t.api('GET', `/api/v1/fleet/resources/pods?namespace=${NS}&timeout_ms=1500`, {
      token: viewer,
    });
    const took = Date.now() - started;
    expect(partial.status).toBe(200);
    expect(took).toBeLessThan(1500 + 1500);
    const byName = Object.fromEntries(
      partial.body.data.clusters.map((c: { cluster_name: string }) => [c.cluster_name, c]),
    );
    expect(byName.dead).toMatchObject({ status: 'unreachable', count: 0, error: { code: 50301 } });
    expect(byName.hung).toMatchObject({ status: 'timeout', error: { code: 50400 } });
    expect(byName.hung.latency_ms).toBeGreaterThanOrEqual(1400);
    expect(byName.alpha).toMatchObject({ status: 'ok', count: 3 });
    expect(partial.body.data.data.every((i: { cluster_name: string }) => i.cluster_name === 'alpha')).toBe(
      true,
    );

    const onlyDead = await t.api('GET', `/api/v1/fleet/resources/pods?clusters=${dead.body.data.id}`, {
      token: viewer,
    });
    expect(onlyDead.status).toBe(503);
    expect(onlyDead.body.data.clusters[0].status).toBe('unreachable');

    const summary = await t.api('GET', '/api/v1/fleet/summary?timeout_ms=1500', { token: viewer });
    expect(summary.status).toBe(200);
    const s = Object.fromEntries(
      summary.body.data.data.map((c: { cluster_name: string }) => [c.cluster_name, c]),
    );
    expect(s.alpha).toMatchObject({
      status: 'ok',
      version: expect.stringMatching(/^v1\./),
      nodes: { total: expect.any(Number), ready: expect.any(Number) },
    });
    expect(s.alpha.pods.total).toBeGreaterThanOrEqual(3);
    expect(s.dead.status).toBe('unreachable');
    expect(s.hung.status).toBe('timeout');
    await t.api('DELETE', `/api/v1/clusters/${dead.body.data.id}`, { token: admin });
    await t.api('DELETE', `/api/v1/clusters/${hung.body.data.id}`, { token: admin });
  });
});
