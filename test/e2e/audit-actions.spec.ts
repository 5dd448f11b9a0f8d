// Audit actions are declared on the route (@Audit), not derived from class and method names: each
// mutation below is read back from GET /api/v1/audit-logs with its exact action and target type.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DiscoveryService } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registeredRoutes } from '../../src/app.factory.js';
import {
  auditDeclarationProblems,
  auditedReadRoutes,
  mutatingRoutes,
} from '../../src/common/audit/audit-declarations.check.js';
import { importCluster, testbed } from '../helpers/clusters.js';
import { settled, simCredential } from '../helpers/providers.js';
import { startTestApp, type TestApp, userToken } from '../helpers/test-app.js';
import { startAckSimulator } from '../simulators/ack/simulator.js';
import type { RunningSimulator } from '../simulators/common/types.js';
import { repoRoot, type TestbedCluster } from '../testbed/state.js';

type Row = {
  action: string;
  target_type: string;
  target_id: string | null;
  outcome: string;
  status_code: number;
  method: string;
};
const NS = `berth-audit-${randomBytes(3).toString('hex')}`;

describe('audit actions declared on the route (e2e, testbed + ACK simulator)', () => {
  let t: TestApp;
  let sim: RunningSimulator;
  let admin: string;
  let viewer: string;
  let tb: TestbedCluster[];
  let gamma: string;
  let node: string | undefined;
  let wasUnschedulable = false;

  const rows = async (query: string): Promise<Row[]> => {
    const res = await t.api('GET', `/api/v1/audit-logs?${query}&page_size=100`, { token: admin });
    expect(res.status).toBe(200);
    return res.body.data.data as Row[];
  };
  const summary = (r: Row[]) =>
    r.map((x) => `${x.method} ${x.action} ${x.target_type} ${x.status_code}`).reverse();

  beforeAll(async () => {
    tb = testbed();
    sim = await startAckSimulator({ timeScale: 0.05 });
    t = await startTestApp();
    admin = await t.login();
    viewer = await userToken(t, admin, 'audit-viewer', 'viewer');
  });
  afterAll(async () => {
    // The testbed node is left as it was found.
    if (node && !wasUnschedulable)
      await t.api('POST', `/api/v1/clusters/${gamma}/nodes/${node}/uncordon`, { token: admin });
    if (gamma)
      await t.api('DELETE', `/api/v1/clusters/${gamma}/resources/namespaces/${NS}`, { token: admin });
    await t?.close();
    await sim?.close();
  });

  it('every mutating route declares an action <noun>.<verb> and a target type; the README table lists exactly these', () => {
    const controllers = t.app
      .get(DiscoveryService)
      .getControllers()
      .filter((w) => w.instance && w.metatype) as { metatype: unknown; instance: object }[];
    const routes = mutatingRoutes(controllers);
    expect(auditDeclarationProblems(routes)).toEqual([]);
    // The scan sees every mutating route Fastify registered (none escapes the boot check).
    const registered = registeredRoutes(t.app).filter(
      (r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && r.url.startsWith('/api/v1/'),
    );
    expect(routes.map((r) => r.route.replace(/^(\w+) /, '$1 /api/v1/')).sort()).toEqual(
      registered.map((r) => `${r.method} ${r.url}`).sort(),
    );
    // README "Audit actions": one row per route: | `METHOD /api/v1/path` | `action` (, `action`) | `target type` |
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const table = [...readme.matchAll(/^\| `(\w+ \/api\/v1\/[^`]+)` \| ([^|]+) \| `([^`]+)` \|$/gm)].map(
      (m) => `${m[1]} ${[...m[2].matchAll(/`([^`]+)`/g)].map((a) => a[1]).join(',')} ${m[3]}`,
    );
    // Read routes that declare an action (the OIDC callback, a login on GET) are recorded and listed too.
    const reads = auditedReadRoutes(controllers);
    expect(auditDeclarationProblems(reads)).toEqual([]);
    const declared = [...routes, ...reads].map(
      (r) =>
        `${r.route.replace(/^(\w+) /, '$1 /api/v1/')} ${r.audit!.actions.join(',')} ${r.audit!.targetType}`,
    );
    expect(table.sort()).toEqual(declared.sort());
  });

  it('records what happened on an imported cluster: import, update, namespace, cordon/uncordon under the cluster, destroy refused, detach', async () => {
    gamma = await importCluster(t, admin, tb[tb.length - 1], 'audit-gamma');
    const updated = await t.api('PATCH', `/api/v1/clusters/${gamma}`, {
      token: admin,
      body: { labels: { audited: 'yes' } },
    });
    expect(updated.status).toBe(200);
    expect(
      (await t.api('POST', `/api/v1/clusters/${gamma}/namespaces`, { token: admin, body: { name: NS } }))
        .status,
    ).toBe(201);
    const nodes = (await t.api('GET', `/api/v1/clusters/${gamma}/nodes`, { token: admin })).body.data
      .data as { metadata: { name: string }; spec?: { unschedulable?: boolean } }[];
    const picked = nodes[nodes.length - 1];
    wasUnschedulable = Boolean(picked.spec?.unschedulable);
    node = picked.metadata.name;
    expect(
      (await t.api('POST', `/api/v1/clusters/${gamma}/nodes/${node}/cordon`, { token: admin })).status,
    ).toBe(200);
    expect(
      (await t.api('POST', `/api/v1/clusters/${gamma}/nodes/${node}/uncordon`, { token: admin })).body.data
        .spec.unschedulable ?? false,
    ).toBe(false);
    expect(
      (await t.api('POST', `/api/v1/clusters/${gamma}/nodes/${node}/cordon`, { token: viewer })).status,
    ).toBe(403);
    expect(
      (await t.api('DELETE', `/api/v1/clusters/${gamma}/resources/namespaces/${NS}`, { token: admin }))
        .status,
    ).toBe(200);
    // The action follows the `destroy` query at run time, also when the guard refuses the request.
    expect((await t.api('DELETE', `/api/v1/clusters/${gamma}?destroy=true`, { token: viewer })).status).toBe(
      403,
    );
    expect((await t.api('DELETE', `/api/v1/clusters/${gamma}?destroy=true`, { token: admin })).status).toBe(
      422,
    );
    expect((await t.api('DELETE', `/api/v1/clusters/${gamma}?destroy=false`, { token: admin })).status).toBe(
      200,
    );

    const logged = await rows(`target_id=${gamma}`);
    expect(logged.every((r) => r.target_type === 'clusters' && r.target_id === gamma)).toBe(true);
    expect(summary(logged)).toEqual([
      'POST cluster.import clusters 201',
      'PATCH cluster.update clusters 200',
      'POST namespace.create clusters 201',
      'POST node.cordon clusters 200',
      'POST node.uncordon clusters 200',
      'POST node.cordon clusters 403',
      'DELETE resource.delete clusters 200',
      'DELETE cluster.destroy clusters 403',
      'DELETE cluster.destroy clusters 422',
      'DELETE cluster.detach clusters 200',
    ]);
  });

  it('records a vendor cluster’s create, node pool and destroy under the cluster, not under the operation', async () => {
    const credential = await simCredential(t, admin, sim, 'audit-ack');
    const spec = {
      kubernetes_version: '1.31.1-aliyun.1',
      vpc_id: 'vpc-sim',
      subnet_ids: ['vsw-a'],
      node_pools: [{ name: 'default', desired_size: 1, instance_types: ['ecs.g7.large'] }],
    };
    const created = await t.api('POST', '/api/v1/clusters', {
      token: admin,
      body: { provider: 'ack', credential_id: credential, name: 'audit-ack', spec },
    });
    expect(created.status).toBe(202);
    const cluster = created.body.data.target_id as string;
    expect((await settled(t, admin, created.body.data.id)).status).toBe('succeeded');
    const pool = await t.api('POST', `/api/v1/clusters/${cluster}/node-pools`, {
      token: admin,
      body: { name: 'extra', desired_size: 1, instance_types: ['ecs.g7.xlarge'] },
    });
    expect(pool.status).toBe(202);
    expect((await settled(t, admin, pool.body.data.id)).status).toBe('succeeded');
    const destroyed = await t.api('DELETE', `/api/v1/clusters/${cluster}?destroy=true`, { token: admin });
    expect(destroyed.status).toBe(202);
    expect((await settled(t, admin, destroyed.body.data.id)).status).toBe('succeeded');

    // POST /clusters names no record yet: its row carries the operation it answered with.
    expect(summary(await rows(`target_id=${created.body.data.id}`))).toEqual([
      'POST cluster.create clusters 202',
    ]);
    expect(summary(await rows(`target_id=${cluster}`))).toEqual([
      'POST node-pool.create clusters 202',
      'DELETE cluster.destroy clusters 202',
    ]);
  });

  it('records auth, users and credentials with their declared names, refused requests included', async () => {
    const user = await t.api('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'audit-user', password: 'audit-user-password-1', role: 'viewer' },
    });
    expect(user.status).toBe(201);
    const id = user.body.data.id as string;
    expect(
      (await t.api('PATCH', `/api/v1/users/${id}`, { token: admin, body: { role: 'operator' } })).status,
    ).toBe(200);
    expect((await t.api('DELETE', `/api/v1/users/${id}`, { token: viewer })).status).toBe(403);
    expect((await t.api('DELETE', `/api/v1/users/${id}`, { token: admin })).status).toBe(200);
    expect(summary(await rows(`target_id=${id}`))).toEqual([
      'POST user.create users 201',
      'PATCH user.update users 200',
      'DELETE user.delete users 403',
      'DELETE user.delete users 200',
    ]);

    const login = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: 'wrong-password' },
    });
    expect(login.status).toBe(401);
    const token = await t.login();
    expect((await t.api('POST', '/api/v1/auth/logout', { token })).status).toBe(200);
    const auth = (await rows('target_type=auth')).slice(0, 3);
    expect(summary(auth)).toEqual([
      'POST auth.login auth 401',
      'POST auth.login auth 200',
      'POST auth.logout auth 200',
    ]);
  });
});
