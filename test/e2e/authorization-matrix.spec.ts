import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { importCluster, testbed } from '../helpers/clusters.js';
import { type ApiResponse, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The authorization matrix, generated from the app's own OpenAPI document: for EVERY operation that
 * declares a verb (`x-berth-verb`, `x-berth-scope`), requests from subjects with
 *   - no grant at all,
 *   - the right role on another cluster,
 *   - the right role on another namespace of the right cluster,
 *   - a role too weak for the verb on the right place,
 *   - the right grant (the weakest role with the verb, exactly where the route acts),
 * against real testbed clusters. Expected: 404 (as for something that does not exist) where the subject
 * has no grant on the cluster / namespace, 403 where it sees the place but its role lacks the verb, and
 * for the right grant an answer the authorization did not refuse (the route's own answer: 2xx, or its
 * own 404 for a missing object, 400/409/422 of the route's rules). New routes are covered automatically.
 */

type Schema = Record<string, any>;
interface Op {
  id: string;
  method: string;
  path: string;
  verb: string;
  scope: 'namespace' | 'cluster' | 'cluster-wide' | 'fleet' | 'global' | 'new-cluster' | 'self';
  role: string;
  query: Schema[];
  example?: unknown;
}
type Subject =
  | 'none'
  | 'other-cluster'
  | 'other-namespace'
  | 'too-weak'
  | 'right'
  /** An API token of a user holding the right grant, the token itself scoped to the right place. */
  | 'token-right'
  /** An API token of that user whose own grant is on another cluster (its owner's grant does not widen it). */
  | 'token-other-cluster'
  /** An API token with the right grant whose owner has no grant (the owner's grants bound the token). */
  | 'token-owner-none';

const ROLE_ORDER = ['view', 'edit', 'exec', 'reveal-secrets', 'cluster-admin', 'admin'];
/** A role without the verb of `role`'s routes (null: no weaker role exists, e.g. for view). */
const WEAKER: Record<string, string | null> = {
  view: null,
  edit: 'view',
  exec: 'edit',
  'reveal-secrets': 'edit',
  'cluster-admin': 'edit',
  admin: 'cluster-admin',
};
const HIDDEN = /^(Cluster|Namespace) \S* ?not found$/;

const isAuthzRefusal = (r: ApiResponse) =>
  r.status === 401 || r.status === 403 || (r.status === 404 && HIDDEN.test(String(r.body?.message ?? '')));

describe('authorization matrix over every operation (e2e, testbed)', () => {
  let t: TestApp;
  let admin: string;
  let ops: Op[];
  let clusterA: string;
  let clusterB: string;
  let nodeName: string;
  const tokens = new Map<string, string>();
  const unexpected: string[] = [];
  let requests = 0;

  /** A user (role none) holding exactly one grant; cached per grant shape. */
  async function subjectToken(grant: Record<string, unknown> | null): Promise<string> {
    const key = JSON.stringify(grant);
    const hit = tokens.get(key);
    if (hit) return hit;
    const username = `m-${tokens.size}-${randomUUID().slice(0, 6)}`;
    const password = `pw-${username}-123456`;
    const u = await t.api('POST', '/api/v1/users', {
      token: admin,
      body: { username, password, role: 'none' },
    });
    expect(u.status).toBe(201);
    if (grant) {
      const g = await t.api('POST', '/api/v1/grants', {
        token: admin,
        body: { subject_type: 'user', subject_id: u.body.data.id, ...grant },
      });
      if (g.status !== 201) throw new Error(`grant ${key}: ${g.text}`);
    }
    const token = await t.login(username, password);
    tokens.set(key, token);
    return token;
  }

  /**
   * An API token (berth_pat_…) of a user holding `owner`, with `own` as the token's grant. A token can only
   * be minted within its creator's grants, so the "owner has nothing" case is made by removing the owner's
   * grant after the token is made.
   */
  async function tokenFor(owner: Record<string, unknown>[], own: Record<string, unknown>, dropOwner = false) {
    const key = JSON.stringify({ owner, own, dropOwner });
    const hit = tokens.get(key);
    if (hit) return hit;
    const username = `t-${tokens.size}-${randomUUID().slice(0, 6)}`;
    const password = `pw-${username}-123456`;
    const u = await t.api('POST', '/api/v1/users', {
      token: admin,
      body: { username, password, role: 'none' },
    });
    const ids: string[] = [];
    for (const grant of owner) {
      const g = await t.api('POST', '/api/v1/grants', {
        token: admin,
        body: { subject_type: 'user', subject_id: u.body.data.id, ...grant },
      });
      expect(g.status).toBe(201);
      ids.push(g.body.data.id);
    }
    const login = await t.login(username, password);
    const made = await t.api('POST', '/api/v1/tokens', {
      token: login,
      body: {
        name: 'matrix',
        expires_at: new Date(Date.now() + 86_400_000).toISOString(),
        grants: [own],
      },
    });
    if (made.status !== 201) throw new Error(`token ${key}: ${made.text}`);
    if (dropOwner)
      for (const id of ids)
        expect((await t.api('DELETE', `/api/v1/grants/${id}`, { token: admin })).status).toBe(200);
    tokens.set(key, made.body.data.token);
    return made.body.data.token as string;
  }

  /** The grant each subject holds for an operation. */
  function grantFor(op: Op, s: Subject): Record<string, unknown> | null | 'skip' {
    const role = op.role;
    const allClusters = op.scope === 'global' || op.scope === 'new-cluster' || role === 'admin';
    const onA = allClusters ? {} : { cluster_selector: 'matrix=a' };
    const ns = op.scope === 'namespace' ? { namespaces: ['team-a'] } : {};
    switch (s) {
      case 'none':
        return null;
      case 'other-cluster':
        if (allClusters) return 'skip'; // a grant on every cluster has no "other cluster"
        return { role, cluster_selector: 'matrix=b', ...ns };
      case 'other-namespace':
        if (allClusters || op.scope === 'fleet') return 'skip';
        return { role, ...onA, namespaces: ['team-b'] };
      case 'too-weak': {
        const weaker = WEAKER[role];
        if (!weaker) return 'skip';
        return weaker === 'cluster-admin' ? { role: weaker } : { role: weaker, ...onA, ...ns };
      }
      case 'right':
      case 'token-right':
      case 'token-owner-none':
        return { role, ...onA, ...ns };
      case 'token-other-cluster':
        if (allClusters) return 'skip';
        return { role, cluster_selector: 'matrix=b', ...ns };
    }
  }

  /** What the subject must get (null: anything the authorization did not refuse). */
  function expected(op: Op, s: Subject): 403 | 404 | null {
    if (s === 'right' || s === 'token-right') return null;
    if (s === 'token-other-cluster') return expected(op, 'other-cluster');
    if (s === 'token-owner-none') return expected(op, 'none');
    const scoped = op.scope === 'namespace' || op.scope === 'cluster' || op.scope === 'cluster-wide';
    if (!scoped) {
      // No place to hide: without the verb anywhere it is 403; with it on another cluster a fleet
      // route answers (covering only what the grants reach).
      if (s === 'other-cluster' && op.scope === 'fleet') return null;
      return 403;
    }
    if (s === 'none' || s === 'other-cluster') return 404;
    if (s === 'other-namespace') {
      if (op.scope === 'namespace') return 404; // the namespace is invisible
      if (op.scope === 'cluster-wide') return 403; // visible cluster, but a namespace-limited grant
      // 'cluster': any grant on the cluster counts, except where each object is checked (apply)
      return op.path.endsWith('/apply') ? 403 : null;
    }
    return 403; // too weak
  }

  async function request(op: Op, token: string, throwaway: () => Promise<string>): Promise<ApiResponse> {
    let path = op.path;
    const needsOwnCluster = op.method !== 'GET' && /^\/api\/v1\/clusters\/\{id\}(\/retry)?$/.test(op.path);
    const cluster = needsOwnCluster ? await throwaway() : clusterA;
    const values: Record<string, string> = {
      ns: 'team-a',
      name: op.path.includes('/nodes/') ? nodeName : 'matrix-object',
      resource: 'configmaps',
      kind: 'deployments',
      pool_id: randomUUID(),
      project: 'matrix',
      repository: 'matrix',
      reference: 'latest',
      digest: `sha256:${'0'.repeat(64)}`,
    };
    path = path.replace(/\{(\w+)\}/g, (_, p: string) =>
      p === 'id' ? (op.path.startsWith('/api/v1/clusters/') ? cluster : randomUUID()) : (values[p] ?? 'x'),
    );
    const q = new URLSearchParams();
    if (op.query.some((p) => p.name === 'namespace') && op.scope !== 'fleet') q.set('namespace', 'team-a');
    if (op.path === '/api/v1/clusters/{id}/resources/{resource}/{name}' && op.method === 'DELETE')
      q.set('namespace', 'team-a');
    const url = q.size ? `${path}?${q}` : path;
    let body = op.example;
    // A relabel stays inside the scope the grants give (moving a cluster out is refused: tested below).
    if (op.method === 'PATCH' && op.path === '/api/v1/clusters/{id}' && body && typeof body === 'object')
      body = { ...body, labels: { ...((body as { labels?: object }).labels ?? {}), matrix: 'a' } };
    requests++;
    return t.api(op.method, url, { token, body });
  }

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
    const [a, b] = testbed();
    clusterA = await importCluster(t, admin, a, 'matrix-a', { labels: { matrix: 'a' } });
    clusterB = await importCluster(t, admin, b, 'matrix-b', { labels: { matrix: 'b' } });
    for (const ns of ['team-a', 'team-b']) {
      const r = await t.api('POST', `/api/v1/clusters/${clusterA}/namespaces`, {
        token: admin,
        body: { name: ns },
      });
      expect([201, 409]).toContain(r.status);
    }
    const nodes = await t.api('GET', `/api/v1/clusters/${clusterA}/nodes`, { token: admin });
    nodeName = nodes.body.data.data[0].name ?? nodes.body.data.data[0].metadata?.name;
    const doc = (await t.api('GET', '/api/docs-json')).body as Schema;
    ops = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Schema>))
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
        const o = item[method];
        if (!o || !o.security?.length) continue;
        const verb = o['x-berth-verb'] as string | undefined;
        const scope = (o['x-berth-scope'] ?? 'self') as Op['scope'];
        const examples = o.requestBody?.content?.['application/json']?.examples ?? {};
        const first = Object.values(examples)[0] as { value?: unknown } | undefined;
        ops.push({
          id: o.operationId,
          method: method.toUpperCase(),
          path,
          verb: verb ?? '',
          scope,
          role: o['x-berth-role'],
          query: (o.parameters ?? []).filter((p: Schema) => p.in === 'query'),
          example: first?.value,
        });
      }
  }, 120_000);

  afterAll(async () => {
    await t?.close();
  });

  it('documents a verb, role and scope for every protected operation', () => {
    const missing = ops.filter((o) => o.scope !== 'self' && (!o.verb || !ROLE_ORDER.includes(o.role)));
    expect(missing.map((o) => o.id)).toEqual([]);
    expect(ops.filter((o) => o.scope !== 'self').length).toBeGreaterThan(70);
  });

  it('answers every operation × subject as the grants say (404 hidden, 403 too weak, right grant not refused)', async () => {
    let n = 0;
    const throwaway = async () =>
      importCluster(t, admin, testbed()[2], `matrix-t-${n++}`, { labels: { matrix: 'a' } });
    let cells = 0;
    const order: Subject[] = [
      'none',
      'other-cluster',
      'other-namespace',
      'too-weak',
      'token-other-cluster',
      'token-owner-none',
      'right',
      'token-right',
    ];
    // Self routes (who am I, log out) need no grant: every subject gets what an admin gets.
    for (const op of ops.filter((o) => o.scope !== 'self')) {
      for (const s of order) {
        const grant = grantFor(op, s);
        if (grant === 'skip') continue;
        const right = grantFor(op, 'right') as Record<string, unknown>;
        const token =
          s === 'token-right'
            ? await tokenFor([right], grant!)
            : s === 'token-other-cluster'
              ? await tokenFor([right, grant!], grant!) // the owner may act on A; the token may not
              : s === 'token-owner-none'
                ? await tokenFor([right], grant!, true)
                : await subjectToken(grant);
        const res = await request(op, token, throwaway);
        cells++;
        const want = expected(op, s);
        const refused = isAuthzRefusal(res);
        const ok =
          want === null
            ? !refused
            : res.status === want &&
              (want === 403 ? res.body?.code === 40300 : HIDDEN.test(String(res.body?.message ?? '')));
        if (!ok)
          unexpected.push(
            `${op.method} ${op.path} [${op.scope}, ${op.verb}] as ${s}: want ${want ?? 'not refused'}, got ${res.status} ${res.text.slice(0, 200)}`,
          );
      }
    }
    const self = ops.filter((o) => o.scope === 'self' && o.method === 'GET' && !o.path.includes('{'));
    for (const op of self) {
      const res = await request(op, await subjectToken(null), throwaway);
      cells++;
      if (res.status !== 200) unexpected.push(`${op.method} ${op.path} as none: ${res.status}`);
    }
    console.log(
      `authorization matrix: ${ops.length} operations, ${cells} operation × subject cells (${requests} requests), ${unexpected.length} unexpected answers`,
    );
    expect(unexpected).toEqual([]);
  }, 600_000);

  it('a cluster admin of matrix=a clusters cannot relabel one out of its scope, nor create one outside it', async () => {
    const token = await subjectToken({ role: 'cluster-admin', cluster_selector: 'matrix=a' });
    const own = await importCluster(t, admin, testbed()[2], 'matrix-relabel', { labels: { matrix: 'a' } });
    const out = await t.api('PATCH', `/api/v1/clusters/${own}`, { token, body: { labels: { matrix: 'b' } } });
    expect(out.status).toBe(403);
    const within = await t.api('PATCH', `/api/v1/clusters/${own}`, {
      token,
      body: { labels: { matrix: 'a', team: 'x' } },
    });
    expect(within.status).toBe(200);
    const outside = await t.api('POST', '/api/v1/clusters/import', {
      token,
      body: {
        name: 'matrix-outside',
        server: 'https://203.0.113.1:6443',
        token: 't',
        labels: { matrix: 'b' },
      },
    });
    expect(outside.status).toBe(403);
  });

  it('fans out over mixed grants: cluster-wide on one, a namespace on another, nothing on a third', async () => {
    const c = await importCluster(t, admin, testbed()[2], 'matrix-c', { labels: { matrix: 'c' } });
    const username = `mixed-${randomUUID().slice(0, 6)}`;
    const u = await t.api('POST', '/api/v1/users', {
      token: admin,
      body: { username, password: `pw-${username}-123456`, role: 'none' },
    });
    for (const grant of [
      { role: 'view', cluster_ids: [clusterA], namespaces: ['team-a'] },
      { role: 'view', cluster_ids: [clusterB] },
    ])
      expect(
        (
          await t.api('POST', '/api/v1/grants', {
            token: admin,
            body: { subject_type: 'user', subject_id: u.body.data.id, ...grant },
          })
        ).status,
      ).toBe(201);
    const token = await t.login(username, `pw-${username}-123456`);
    const every = await t.api('GET', '/api/v1/fleet/resources/configmaps?page_size=500', { token });
    expect(every.status).toBe(200);
    const rows = Object.fromEntries(
      every.body.data.clusters.map((r: { cluster_id: string }) => [r.cluster_id, r]),
    ) as Record<string, { status: string; error: { message: string } | null }>;
    expect(Object.keys(rows).sort()).toEqual([clusterA, clusterB].sort()); // C is never named
    expect(rows[clusterB].status).toBe('ok');
    expect(rows[clusterA].status).toBe('forbidden'); // only some namespaces: reported, never a silent partial list
    expect(rows[clusterA].error!.message).toContain('team-a');
    expect(every.body.data.data.every((i: { cluster_id: string }) => i.cluster_id === clusterB)).toBe(true);
    const inNs = await t.api('GET', '/api/v1/fleet/resources/configmaps?namespace=team-a&page_size=500', {
      token,
    });
    expect(inNs.status).toBe(200);
    const statuses = Object.fromEntries(
      inNs.body.data.clusters.map((r: { cluster_id: string; status: string }) => [r.cluster_id, r.status]),
    );
    expect(statuses).toEqual({ [clusterA]: 'ok', [clusterB]: 'ok' });
    expect(inNs.body.data.data.some((i: { cluster_id: string }) => i.cluster_id === clusterA)).toBe(true);
    expect((await t.api('GET', `/api/v1/clusters/${c}`, { token })).status).toBe(404);
    const single = await t.api('GET', `/api/v1/clusters/${clusterA}/resources/configmaps`, { token });
    expect(single.status).toBe(403); // every namespace asked, some granted: 403 naming them
    expect(single.body.data.namespaces).toEqual(['team-a']);
    const ns = await t.api('GET', `/api/v1/clusters/${clusterA}/namespaces`, { token });
    expect(ns.body.data.data.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(['team-a']);
  });

  it('a subject never sees another cluster in lists (records, fleet, operations)', async () => {
    const token = await subjectToken({ role: 'view', cluster_selector: 'matrix=b' });
    const list = await t.api('GET', '/api/v1/clusters?page_size=100', { token });
    expect(list.status).toBe(200);
    const ids = list.body.data.data.map((c: { id: string }) => c.id);
    expect(ids).toContain(clusterB);
    expect(ids).not.toContain(clusterA);
    expect(list.body.data.total).toBe(ids.length);
    const fleet = await t.api('GET', '/api/v1/fleet/resources/namespaces?page_size=500', { token });
    expect(fleet.status).toBe(200);
    const fleetIds = new Set(fleet.body.data.clusters.map((c: { cluster_id: string }) => c.cluster_id));
    expect(fleetIds.has(clusterA)).toBe(false);
    expect(fleetIds.has(clusterB)).toBe(true);
    expect(fleet.body.data.data.every((i: { cluster_id: string }) => i.cluster_id === clusterB)).toBe(true);
    const byId = await t.api('GET', `/api/v1/fleet/resources/namespaces?clusters=${clusterA}`, { token });
    expect(byId.status).toBe(404);
  });
});
