// LDAP sign-in against a real slapd (Debian's package) started here on a free port: service bind, user
// search with an escaped filter, bind as the user, groups from memberOf mapped to Berth groups holding
// grants on imported testbed clusters.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { importCluster, testbed } from '../helpers/clusters.js';
import {
  LDAP_SERVICE_DN,
  LDAP_SERVICE_PASSWORD,
  LDAP_SUFFIX,
  ldapGroup,
  ldapUser,
  OwnSlapd,
} from '../helpers/slapd.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

describe('LDAP sign-in (e2e, real slapd)', () => {
  let ldap: OwnSlapd;
  let t: TestApp;
  let admin: string;
  let alpha: string;
  let beta: string;
  const groupDn = (cn: string) => `cn=${cn},ou=groups,${LDAP_SUFFIX}`;
  const env = (extra: Record<string, string> = {}) => ({
    BERTH_LDAP_URL: ldap.url,
    BERTH_LDAP_BIND_DN: LDAP_SERVICE_DN,
    BERTH_LDAP_BIND_PASSWORD: LDAP_SERVICE_PASSWORD,
    BERTH_LDAP_USER_BASE: `ou=people,${LDAP_SUFFIX}`,
    ...extra,
  });

  beforeAll(async () => {
    ldap = await OwnSlapd.create();
    await ldap.add(
      [
        ldapUser('alice', 'alice-secret-1'),
        ldapUser('bob', 'bob-secret-1'),
        ldapUser('carol', 'carol-secret-1'),
        ldapGroup('devs', ['alice', 'bob']),
        ldapGroup('ops', ['carol']),
      ].join('\n'),
    );
    t = await startTestApp({ env: env() });
    admin = await t.login();
    const tb = testbed();
    alpha = await importCluster(t, admin, tb[0], 'ldap-alpha');
    beta = await importCluster(t, admin, tb[1], 'ldap-beta');
    for (const [name, cn, cluster] of [
      ['ldap-devs', 'devs', alpha],
      ['ldap-ops', 'ops', beta],
    ]) {
      const g = await t.api('POST', '/api/v1/groups', {
        token: admin,
        // DNs compare case-insensitively, spaces after commas ignored
        body: {
          name,
          mappings: [{ connector: 'ldap', external_group: groupDn(cn).toUpperCase().replace(/,/g, ', ') }],
        },
      });
      expect(g.status).toBe(201);
      await t.api('POST', '/api/v1/grants', {
        token: admin,
        body: { subject_type: 'group', subject_id: g.body.data.id, role: 'view', cluster_ids: [cluster] },
      });
    }
  });
  afterAll(async () => {
    await t?.close();
    await ldap?.destroy();
  });

  const login = (username: string, password: string, app: TestApp = t) =>
    app.api('POST', '/api/v1/auth/ldap/login', { body: { username, password } });
  const visible = async (token: string) => {
    const res = await t.api('GET', '/api/v1/clusters', { token });
    if (res.status === 403) return [];
    expect(res.status).toBe(200);
    return (res.body.data.data as { id: string }[]).map((c) => c.id).sort();
  };

  it('binds as the user, maps memberOf to Berth groups: the user sees exactly the cluster its group’s grant gives', async () => {
    const res = await login('alice', 'alice-secret-1');
    expect(res.status).toBe(200);
    expect(res.body.data.user).toMatchObject({ username: 'alice', source: 'ldap', role: 'none' });
    expect(res.body.data.groups).toEqual(['ldap-devs']);
    expect(await visible(res.body.data.access_token)).toEqual([alpha]);
    const stored = await t.sql.query(
      'SELECT external_subject, external_issuer FROM users WHERE username = $1',
      ['alice'],
    );
    expect(stored.rows[0]).toEqual({
      external_subject: `uid=alice,ou=people,${LDAP_SUFFIX}`,
      external_issuer: ldap.url,
    });
    const audit = await t.api(
      'GET',
      `/api/v1/audit-logs?action=auth.sso-login&target_id=${res.body.data.user.id}`,
      {
        token: admin,
      },
    );
    expect(audit.body.data.data[0]).toMatchObject({
      outcome: 'success',
      actor_name: 'alice',
      method: 'POST',
    });
  });

  it('wrong password, unknown user and an empty password (an unauthenticated bind the server accepts) → 401', async () => {
    for (const [u, p] of [
      ['alice', 'wrong-password'],
      ['nobody', 'whatever-1'],
      ['alice', ''],
    ]) {
      const res = await login(u, p);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 40101, message: 'Wrong username or password' });
    }
  });

  it('LDAP filter injection in the username matches no one (escaped per RFC 4515)', async () => {
    for (const u of ['*', 'a*', '*)(uid=*', 'alice)(|(uid=*', 'bob)(&', '\\2a', 'al*ce']) {
      const res = await login(u, 'alice-secret-1');
      expect(res.status).toBe(401);
    }
    // and the password of one user never opens another's account through a wildcard
    expect((await login('b*', 'alice-secret-1')).status).toBe(401);
    expect((await login('b*', 'bob-secret-1')).status).toBe(401);
  });

  it('a group removed in the directory removes the membership at the next login', async () => {
    const first = await login('bob', 'bob-secret-1');
    expect(first.body.data.groups).toEqual(['ldap-devs']);
    const old = first.body.data.access_token as string;
    expect(await visible(old)).toEqual([alpha]);
    await ldap.modify(`dn: ${groupDn('devs')}
changetype: modify
delete: member
member: uid=bob,ou=people,${LDAP_SUFFIX}
-

dn: ${groupDn('ops')}
changetype: modify
add: member
member: uid=bob,ou=people,${LDAP_SUFFIX}
`);
    const second = await login('bob', 'bob-secret-1');
    expect(second.body.data.groups).toEqual(['ldap-ops']);
    expect(await visible(old)).toEqual([beta]);
  });

  it('failed attempts are throttled like password logins (429 with Retry-After)', async () => {
    let last = 0;
    for (let i = 0; i < 7 && last !== 429; i++) last = (await login('carol', 'not-carols-password')).status;
    expect(last).toBe(429);
    const res = await login('carol', 'carol-secret-1');
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('group search instead of memberOf; the directory down → 503', async () => {
    const other = await startTestApp({
      env: env({ BERTH_LDAP_GROUP_BASE: `ou=groups,${LDAP_SUFFIX}`, BERTH_LDAP_URL: ldap.url }),
    });
    try {
      const otherAdmin = await other.login();
      const g = await other.api('POST', '/api/v1/groups', {
        token: otherAdmin,
        body: { name: 'found-by-search', mappings: [{ connector: 'ldap', external_group: groupDn('ops') }] },
      });
      expect(g.status).toBe(201);
      const res = await login('carol', 'carol-secret-1', other);
      expect(res.status).toBe(200);
      expect(res.body.data.groups).toEqual(['found-by-search']);
      const stored = await other.sql.query(`SELECT source FROM users WHERE username = 'carol'`);
      expect(stored.rows).toEqual([{ source: 'ldap' }]);
    } finally {
      await other.close();
    }
    const down = await startTestApp({ env: env({ BERTH_LDAP_URL: 'ldap://127.0.0.1:1' }) });
    try {
      const res = await login('alice', 'alice-secret-1', down);
      expect(res.status).toBe(503);
      expect(res.body.data).toMatchObject({ dependency: 'ldap' });
    } finally {
      await down.close();
    }
  });
});
