// Groups: CRUD with SSO mappings, members (local), grants to a group reach its members, deleting a group
// takes its grants with it. Against real Postgres, Redis and testbed clusters.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { importCluster, testbed } from '../helpers/clusters.js';
import { startTestApp, type TestApp, userToken } from '../helpers/test-app.js';

describe('groups (e2e)', () => {
  let t: TestApp;
  let admin: string;
  let alice: string;
  let aliceId: string;
  let clusters: string[];

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
    alice = await userToken(t, admin, 'grp-alice', 'none');
    aliceId = (await t.api('GET', '/api/v1/auth/me', { token: alice })).body.data.id;
    const tb = testbed();
    clusters = [
      await importCluster(t, admin, tb[0], 'grp-alpha', { labels: { team: 'pay' } }),
      await importCluster(t, admin, tb[1], 'grp-beta', { labels: { team: 'web' } }),
    ];
  });
  afterAll(async () => {
    await t?.close();
  });

  const visible = async (token: string) => {
    const res = await t.api('GET', '/api/v1/clusters', { token });
    // A caller without any grant is refused the list (403) rather than shown an empty one.
    if (res.status === 403) return [];
    if (res.status !== 200) throw new Error(`GET /clusters: ${res.text}`);
    return (res.body.data.data as { id: string }[]).map((c) => c.id).sort();
  };

  it('creates, lists, renames and refuses duplicates and bad input', async () => {
    const created = await t.api('POST', '/api/v1/groups', {
      token: admin,
      body: {
        name: 'Pay-Team',
        description: 'Payments',
        mappings: [
          { connector: 'oidc', external_group: 'pay' },
          { connector: 'ldap', external_group: 'CN=Pay, OU=Groups,DC=example,DC=com' },
        ],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      name: 'pay-team',
      description: 'Payments',
      member_count: 0,
      mappings: [
        { connector: 'ldap', external_group: 'cn=pay,ou=groups,dc=example,dc=com' },
        { connector: 'oidc', external_group: 'pay' },
      ],
    });
    const id = created.body.data.id as string;
    expect((await t.api('POST', '/api/v1/groups', { token: admin, body: { name: 'pay-team' } })).status).toBe(
      409,
    );
    const bad = await t.api('POST', '/api/v1/groups', {
      token: admin,
      body: { name: 'x y', mappings: [{ connector: 'saml', external_group: '' }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.data.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'mappings.0.connector',
      'mappings.0.external_group',
      'name',
    ]);
    const patched = await t.api('PATCH', `/api/v1/groups/${id}`, {
      token: admin,
      body: { description: null, mappings: [{ connector: 'oidc', external_group: 'payments' }] },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.data).toMatchObject({
      description: null,
      mappings: [{ connector: 'oidc', external_group: 'payments' }],
    });
    const list = await t.api('GET', '/api/v1/groups?q=pay', { token: admin });
    expect(list.body.data.data.map((g: { name: string }) => g.name)).toEqual(['pay-team']);
    expect((await t.api('GET', `/api/v1/groups/${crypto.randomUUID()}`, { token: admin })).status).toBe(404);
    expect((await t.api('GET', '/api/v1/groups/not-a-uuid', { token: admin })).status).toBe(400);
    // principals.manage: a user without admin may not see or change groups
    expect((await t.api('GET', '/api/v1/groups', { token: alice })).status).toBe(403);
    expect((await t.api('POST', '/api/v1/groups', { token: alice, body: { name: 'mine' } })).status).toBe(
      403,
    );
    expect((await t.api('DELETE', `/api/v1/groups/${id}`, { token: admin })).status).toBe(200);
    expect((await t.api('DELETE', `/api/v1/groups/${id}`, { token: admin })).status).toBe(404);
  });

  it('a grant to a group reaches its members at once; removal and group deletion take it away, grants too', async () => {
    const g = (await t.api('POST', '/api/v1/groups', { token: admin, body: { name: 'pay-viewers' } })).body
      .data as { id: string };
    const grant = await t.api('POST', '/api/v1/grants', {
      token: admin,
      body: { subject_type: 'group', subject_id: g.id, role: 'view', cluster_selector: 'team=pay' },
    });
    expect(grant.status).toBe(201);
    expect(await visible(alice)).toEqual([]);

    const put = await t.api('PUT', `/api/v1/groups/${g.id}/members/${aliceId}`, { token: admin });
    expect(put.status).toBe(200);
    expect(put.body.data).toMatchObject({ user_id: aliceId, username: 'grp-alice', source: 'local' });
    expect((await t.api('PUT', `/api/v1/groups/${g.id}/members/${aliceId}`, { token: admin })).status).toBe(
      200,
    );
    expect(await visible(alice)).toEqual([clusters[0]]);
    const me = await t.api('GET', '/api/v1/auth/me', { token: alice });
    expect(me.body.data.grants.map((x: { via_group: string | null }) => x.via_group)).toEqual([
      'pay-viewers',
    ]);
    expect((await t.api('GET', `/api/v1/clusters/${clusters[1]}`, { token: alice })).status).toBe(404);

    const members = await t.api('GET', `/api/v1/groups/${g.id}/members?page_size=1`, { token: admin });
    expect(members.body.data).toMatchObject({ total: 1, data: [{ username: 'grp-alice' }] });
    expect(
      (await t.api('PUT', `/api/v1/groups/${g.id}/members/${crypto.randomUUID()}`, { token: admin })).status,
    ).toBe(404);

    expect(
      (await t.api('DELETE', `/api/v1/groups/${g.id}/members/${aliceId}`, { token: admin })).status,
    ).toBe(200);
    expect(
      (await t.api('DELETE', `/api/v1/groups/${g.id}/members/${aliceId}`, { token: admin })).status,
    ).toBe(404);
    expect(await visible(alice)).toEqual([]);

    await t.api('PUT', `/api/v1/groups/${g.id}/members/${aliceId}`, { token: admin });
    expect(await visible(alice)).toEqual([clusters[0]]);
    expect((await t.api('DELETE', `/api/v1/groups/${g.id}`, { token: admin })).status).toBe(200);
    expect(await visible(alice)).toEqual([]);
    const left = await t.sql.query(`SELECT count(*)::int AS n FROM grants WHERE subject_id = $1`, [g.id]);
    expect(left.rows[0].n).toBe(0);
  });

  it('records group changes in the audit log', async () => {
    const res = await t.api('GET', '/api/v1/audit-logs?target_type=groups&page_size=100', { token: admin });
    const actions = new Set((res.body.data.data as { action: string }[]).map((r) => r.action));
    expect([...actions].sort()).toEqual([
      'group.create',
      'group.delete',
      'group.member-add',
      'group.member-remove',
      'group.update',
    ]);
  });
});
