import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { importCluster, testbed } from '../helpers/clusters.js';
import { eventually, startTestApp, type TestApp, userToken } from '../helpers/test-app.js';
import type { TestbedCluster } from '../testbed/state.js';

// A CRD of its own (CRDs are cluster-wide and other specs run against the same testbed): cluster-scoped
// on alpha, namespaced on beta, absent on gamma.
const GROUP = `fv${randomBytes(3).toString('hex')}.example.com`;
const PLURAL = 'fvals';
const CRD = `${PLURAL}.${GROUP}`;
const crd = (scope: 'Cluster' | 'Namespaced') => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${CRD}}
spec:
  group: ${GROUP}
  scope: ${scope}
  names: {plural: ${PLURAL}, singular: fval, kind: Fval}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;

type Row = { cluster_name: string; status: string; count: number; error: { code: number } | null };
const byName = (rows: Row[]) => Object.fromEntries(rows.map((r) => [r.cluster_name, r]));

describe('fleet queries validate against each cluster’s discovery before listing (e2e, real testbed)', () => {
  let t: TestApp;
  let admin: string;
  let viewer: string;
  let tb: TestbedCluster[];
  const ids: Record<string, string> = {};
  let dead: string;

  beforeAll(async () => {
    tb = testbed();
    t = await startTestApp({ env: { BERTH_KUBE_TIMEOUT_MS: '2000' } });
    admin = await t.login();
    viewer = await userToken(t, admin, 'fleet-viewer', 'viewer');
    for (const c of tb.slice(0, 3)) ids[c.name] = await importCluster(t, admin, c);
    const res = await t.api('POST', '/api/v1/clusters/import', {
      token: admin,
      body: { name: 'dead', server: 'https://127.0.0.1:1', token: 'x', force: true },
    });
    dead = res.body.data.id;
    for (const [name, scope] of [
      ['alpha', 'Cluster'],
      ['beta', 'Namespaced'],
    ] as const) {
      const applied = await t.api('POST', `/api/v1/clusters/${ids[name]}/apply`, {
        token: admin,
        body: { manifest: crd(scope) },
      });
      expect(applied.body.data).toMatchObject({ failed: 0 });
      // Served once the API server established it.
      await eventually(
        async () =>
          (await t.api('GET', `/api/v1/clusters/${ids[name]}/resources/${CRD}`, { token: admin })).status ===
          200,
        60_000,
        500,
      );
    }
  });
  afterAll(async () => {
    for (const name of ['alpha', 'beta']) {
      await t
        .api('DELETE', `/api/v1/clusters/${ids[name]}/resources/customresourcedefinitions/${CRD}`, {
          token: admin,
        })
        .catch(() => undefined);
    }
    await t.close();
  });

  it('an unknown type is 404 code 40402 RESOURCE_TYPE_UNKNOWN, as on the single-cluster route, not 502', async () => {
    const single = await t.api('GET', `/api/v1/clusters/${ids.alpha}/resources/nosuchthings`, {
      token: viewer,
    });
    expect([single.status, single.body.code]).toEqual([404, 40402]);
    const fleet = await t.api('GET', '/api/v1/fleet/resources/nosuchthings', { token: viewer });
    expect([fleet.status, fleet.body.code]).toEqual([single.status, single.body.code]);
    expect(fleet.body.message).toContain('"nosuchthings"');
    expect(fleet.headers.get('x-request-id')).toBe(fleet.body.request_id);
    // Every cluster is listed; the one that could not be asked says so, the others say they lack the type.
    const rows = byName(fleet.body.data.clusters);
    expect(rows.dead).toMatchObject({ status: 'unreachable', error: { code: 50301 } });
    for (const name of ['alpha', 'beta', 'gamma'])
      expect(rows[name]).toMatchObject({ status: 'unknown_type', count: 0, error: { code: 40402 } });
    // A CRD served only by gamma's neighbours is unknown when only gamma is asked.
    const onlyGamma = await t.api('GET', `/api/v1/fleet/resources/${CRD}?clusters=${ids.gamma}`, {
      token: viewer,
    });
    expect([onlyGamma.status, onlyGamma.body.code]).toEqual([404, 40402]);
  });

  it('a namespace on a cluster-scoped type is 400 code 40001 naming namespace, as on the single-cluster route', async () => {
    const single = await t.api('GET', `/api/v1/clusters/${ids.alpha}/resources/nodes?namespace=default`, {
      token: viewer,
    });
    expect([single.status, single.body.code]).toEqual([400, 40001]);
    const fleet = await t.api('GET', '/api/v1/fleet/resources/nodes?namespace=default', { token: viewer });
    expect([fleet.status, fleet.body.code]).toEqual([400, 40001]);
    expect(fleet.body.data.fields).toEqual(single.body.data.fields);
    expect(fleet.body.data.fields).toEqual([
      { field: 'namespace', errors: ['nodes is cluster-scoped; drop namespace'] },
    ]);
    // A type that does not support list is 405 code 40500 on both.
    const singleVerb = await t.api('GET', `/api/v1/clusters/${ids.alpha}/resources/tokenreviews`, {
      token: viewer,
    });
    const fleetVerb = await t.api('GET', '/api/v1/fleet/resources/tokenreviews', { token: viewer });
    expect([singleVerb.status, singleVerb.body.code]).toEqual([405, 40500]);
    expect([fleetVerb.status, fleetVerb.body.code, fleetVerb.body.message]).toEqual([
      405,
      40500,
      singleVerb.body.message,
    ]);
  });

  it('a type some clusters serve answers per cluster: those lacking it (or where it does not fit) are reported, the request stands', async () => {
    const all = await t.api('GET', `/api/v1/fleet/resources/${CRD}`, { token: viewer });
    expect(all.status).toBe(200);
    const rows = byName(all.body.data.clusters);
    expect(rows.alpha).toMatchObject({ status: 'ok', count: 0, error: null });
    expect(rows.beta).toMatchObject({ status: 'ok', count: 0, error: null });
    expect(rows.gamma).toMatchObject({ status: 'unknown_type', count: 0, error: { code: 40402 } });
    expect(rows.dead).toMatchObject({ status: 'unreachable' });

    // Namespaced on beta, cluster-scoped on alpha: beta answers, alpha says the query does not fit there.
    const ns = await t.api('GET', `/api/v1/fleet/resources/${CRD}?namespace=default`, { token: viewer });
    expect(ns.status).toBe(200);
    const nsRows = byName(ns.body.data.clusters);
    expect(nsRows.beta).toMatchObject({ status: 'ok' });
    expect(nsRows.alpha).toMatchObject({ status: 'invalid', error: { code: 40001 } });
    expect(nsRows.gamma).toMatchObject({ status: 'unknown_type' });

    // Known (cluster-scoped) on alpha, unknown on gamma: the namespace is the mistake, not the type.
    const misuse = await t.api(
      'GET',
      `/api/v1/fleet/resources/${CRD}?namespace=default&clusters=${ids.alpha},${ids.gamma}`,
      { token: viewer },
    );
    expect([misuse.status, misuse.body.code]).toEqual([400, 40001]);
    expect(misuse.body.data.fields[0].field).toBe('namespace');
  });

  it('clusters that all fail before their discovery answers still give the fan-out’s error', async () => {
    const res = await t.api('GET', `/api/v1/fleet/resources/nosuchthings?clusters=${dead}`, {
      token: viewer,
    });
    expect([res.status, res.body.code]).toEqual([503, 50301]);
    expect(res.body.data.clusters[0]).toMatchObject({ status: 'unreachable' });
  });
});
