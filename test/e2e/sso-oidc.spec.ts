// OIDC single sign-on against a real OpenID provider (oidc-provider) started here: the browser flow
// (authorization code + PKCE) walked with plain HTTP, the groups claim mapped to Berth groups that hold
// grants on imported testbed clusters, and the token exchange for portals.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { importCluster, testbed } from '../helpers/clusters.js';
import { browserLogin, OwnOidcProvider } from '../helpers/oidc-provider.js';
import { startTestApp, type TestApp, userToken } from '../helpers/test-app.js';

const REDIRECT = 'https://berth.example/api/v1/auth/oidc/callback';

describe('OIDC sign-in (e2e, real OpenID provider)', () => {
  let idp: OwnOidcProvider;
  let t: TestApp & { redisPrefix: string };
  let admin: string;
  let alpha: string;
  let beta: string;
  let payGroup: string;
  const env = (extra: Record<string, string> = {}) => ({
    BERTH_OIDC_ISSUER: idp.issuer,
    BERTH_OIDC_CLIENT_ID: 'berth',
    BERTH_OIDC_CLIENT_SECRET: idp.berthSecret,
    BERTH_OIDC_REDIRECT_URI: REDIRECT,
    BERTH_OIDC_AUDIENCES: 'berth,portal',
    BERTH_OIDC_CLOCK_TOLERANCE_SECONDS: '0',
    ...extra,
  });

  beforeAll(async () => {
    idp = await OwnOidcProvider.reserve();
    await idp.start(REDIRECT);
    idp.users.set('u-alice', {
      username: 'sso-alice',
      email: 'alice@corp.test',
      groups: ['pay-team', 'other'],
    });
    t = await startTestApp({ env: env() });
    admin = await t.login();
    const tb = testbed();
    alpha = await importCluster(t, admin, tb[0], 'oidc-alpha');
    beta = await importCluster(t, admin, tb[1], 'oidc-beta');
    const g = await t.api('POST', '/api/v1/groups', {
      token: admin,
      body: { name: 'pay', mappings: [{ connector: 'oidc', external_group: 'pay-team' }] },
    });
    payGroup = g.body.data.id;
    const grant = await t.api('POST', '/api/v1/grants', {
      token: admin,
      body: { subject_type: 'group', subject_id: payGroup, role: 'view', cluster_ids: [alpha] },
    });
    expect(grant.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  const visible = async (token: string) => {
    const res = await t.api('GET', '/api/v1/clusters', { token });
    if (res.status === 403) return []; // no grant at all
    expect(res.status).toBe(200);
    return (res.body.data.data as { id: string }[]).map((c) => c.id).sort();
  };

  /** GET /auth/oidc/login (302 to the provider), checked against the document. */
  const startLogin = async (app: TestApp = t) => {
    const path = '/api/v1/auth/oidc/login';
    const res = await fetch(app.url + path, { redirect: 'manual' });
    await app.checkContract('GET', path, res, await res.text());
    expect(res.status).toBe(302);
    return res.headers.get('location')!;
  };
  const callbackPath = (url: string) => `/api/v1/auth/oidc/callback${new URL(url).search}`;

  it('browser flow: PKCE + state + nonce; the groups claim maps to a group whose grant shows exactly its cluster', async () => {
    const authorize = new URL(await startLogin());
    expect(authorize.origin).toBe(idp.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    for (const p of ['state', 'nonce', 'code_challenge']) expect(authorize.searchParams.get(p)).toBeTruthy();
    expect(authorize.searchParams.get('scope')).toBe('openid profile email groups');
    // The same as JSON, for a page that navigates itself; each start is a new state
    const json = await t.api('GET', '/api/v1/auth/oidc/login?format=json');
    expect(json.status).toBe(200);
    const other = new URL(json.body.data.authorization_url as string);
    expect(other.origin).toBe(idp.issuer);
    expect(other.searchParams.get('state')).not.toBe(authorize.searchParams.get('state'));

    const back = await browserLogin(authorize.toString(), 'u-alice', REDIRECT);
    const res = await t.api('GET', callbackPath(back));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body.data.user).toMatchObject({
      username: 'sso-alice',
      source: 'oidc',
      role: 'none',
      kind: 'human',
    });
    expect(res.body.data.groups).toEqual(['pay']);
    const token = res.body.data.access_token as string;
    expect(await visible(token)).toEqual([alpha]);
    expect((await t.api('GET', `/api/v1/clusters/${beta}`, { token })).status).toBe(404);

    // The callback is single-use: its state is gone.
    const replay = await t.api('GET', callbackPath(back));
    expect(replay.status).toBe(401);
    expect(replay.body.message).toMatch(/state/);

    // An SSO user has no Berth password.
    expect(
      (
        await t.api('POST', '/api/v1/auth/login', {
          body: { username: 'sso-alice', password: 'any-password' },
        })
      ).status,
    ).toBe(401);

    const audit = await t.api(
      'GET',
      `/api/v1/audit-logs?action=auth.sso-login&target_id=${res.body.data.user.id}`,
      {
        token: admin,
      },
    );
    expect(audit.body.data.data[0]).toMatchObject({
      action: 'auth.sso-login',
      method: 'GET',
      outcome: 'success',
      actor_name: 'sso-alice',
    });
  });

  it('a group removed at the IdP removes the membership at the next login; local memberships stay', async () => {
    const first = await t.api(
      'GET',
      callbackPath(await browserLogin(await startLogin(), 'u-alice', REDIRECT)),
    );
    const oldToken = first.body.data.access_token as string;
    const userId = first.body.data.user.id as string;
    const local = await t.api('POST', '/api/v1/groups', { token: admin, body: { name: 'oidc-local' } });
    await t.api('PUT', `/api/v1/groups/${local.body.data.id}/members/${userId}`, { token: admin });
    expect(await visible(oldToken)).toEqual([alpha]);

    idp.users.get('u-alice')!.groups = ['other'];
    const second = await t.api(
      'GET',
      callbackPath(await browserLogin(await startLogin(), 'u-alice', REDIRECT)),
    );
    expect(second.status).toBe(200);
    expect(second.body.data.groups).toEqual([]);
    // Membership is read per request: the earlier session lost the grant too.
    expect(await visible(oldToken)).toEqual([]);
    expect(await visible(second.body.data.access_token)).toEqual([]);
    const members = await t.api('GET', `/api/v1/groups/${payGroup}/members`, { token: admin });
    expect(members.body.data.total).toBe(0);
    const kept = await t.api('GET', `/api/v1/groups/${local.body.data.id}/members`, { token: admin });
    expect(kept.body.data.data).toMatchObject([{ username: 'sso-alice', source: 'local' }]);

    idp.users.get('u-alice')!.groups = ['pay-team'];
    const third = await t.api(
      'GET',
      callbackPath(await browserLogin(await startLogin(), 'u-alice', REDIRECT)),
    );
    expect(third.body.data.groups).toEqual(['pay']);
    expect(third.body.data.user.id).toBe(userId);
  });

  it('refuses an ID token whose nonce is not the one Berth sent (401)', async () => {
    const authorize = new URL(await startLogin());
    const state = authorize.searchParams.get('state')!;
    const redis = new Redis(t.config.redis.url);
    try {
      const key = `${t.redisPrefix}oidc:state:${state}`;
      const pending = JSON.parse((await redis.get(key))!) as { nonce: string };
      await redis.set(key, JSON.stringify({ ...pending, nonce: 'not-the-nonce-sent' }), 'EX', 60);
    } finally {
      redis.disconnect();
    }
    const res = await t.api(
      'GET',
      callbackPath(await browserLogin(authorize.toString(), 'u-alice', REDIRECT)),
    );
    expect(res.status).toBe(401);
    expect(res.body.code).toBe(40101);
    expect(res.body.message).toMatch(/nonce/);
  });

  it('token exchange: accepts the issuer’s tokens for an allowed audience; wrong audience, expired, foreign signature → 401', async () => {
    idp.users.set('u-bob', { username: 'sso-bob', email: 'bob@corp.test', groups: [] });
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'u-bob', preferred_username: 'sso-bob', groups: ['pay-team'], exp: now + 300 };
    const ok = await t.api('POST', '/api/v1/auth/oidc/token', {
      body: { token: await idp.sign({ ...claims, aud: 'portal' }) },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ groups: ['pay'], user: { username: 'sso-bob', source: 'oidc' } });
    expect(await visible(ok.body.data.access_token)).toEqual([alpha]);

    const refused = async (token: string, why: RegExp) => {
      const res = await t.api('POST', '/api/v1/auth/oidc/token', { body: { token } });
      expect(res.status).toBe(401);
      expect(res.body.message).toMatch(why);
    };
    await refused(await idp.sign({ ...claims, aud: 'other' }), /aud/);
    await refused(await idp.sign({ ...claims, aud: 'portal', exp: now - 5 }), /exp/);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const foreign = await jose.importJWK(privateKey.export({ format: 'jwk' }), 'RS256');
    await refused(await idp.sign({ ...claims, aud: 'portal' }, foreign), /signature/);
    await refused('not.a-jwt.at-all', /refused/);
    const audit = await t.api('GET', '/api/v1/audit-logs?action=auth.sso-login&outcome=failure', {
      token: admin,
    });
    expect(audit.body.data.total).toBeGreaterThanOrEqual(4);
  });

  it('never takes over a local user with the same username (409)', async () => {
    await userToken(t, admin, 'sso-carol', 'viewer');
    const now = Math.floor(Date.now() / 1000);
    const res = await t.api('POST', '/api/v1/auth/oidc/token', {
      body: {
        token: await idp.sign({
          sub: 'u-carol',
          preferred_username: 'sso-carol',
          aud: 'berth',
          exp: now + 60,
        }),
      },
    });
    expect(res.status).toBe(409);
  });

  it('answers the session in a redirect to the UI when configured; the issuer goes through the outbound policy', async () => {
    const ui = await startTestApp({ env: env({ BERTH_OIDC_UI_REDIRECT_URL: 'https://ui.example/sso' }) });
    try {
      const back = await browserLogin(await startLogin(ui), 'u-alice', REDIRECT);
      const path = callbackPath(back);
      const res = await fetch(ui.url + path, { redirect: 'manual' });
      await ui.checkContract('GET', path, res, await res.text());
      expect(res.status).toBe(302);
      const to = new URL(res.headers.get('location')!);
      expect(to.origin + to.pathname).toBe('https://ui.example/sso');
      expect(to.search).toBe('');
      const fragment = new URLSearchParams(to.hash.slice(1));
      expect(fragment.get('token_type')).toBe('Bearer');
      expect((await ui.api('GET', '/api/v1/auth/me', { token: fragment.get('access_token')! })).status).toBe(
        200,
      );
    } finally {
      await ui.close();
    }
    const denied = await startTestApp({ env: env({ BERTH_OUTBOUND_ALLOW_LOOPBACK: 'false' }) });
    try {
      const res = await denied.api('POST', '/api/v1/auth/oidc/token', { body: { token: 'a.b.c' } });
      expect(res.status).toBe(503);
      expect(res.body.data).toMatchObject({ dependency: 'oidc' });
      expect(denied.logs.some((l) => l.includes('outbound policy'))).toBe(true);
    } finally {
      await denied.close();
    }
  });
});
