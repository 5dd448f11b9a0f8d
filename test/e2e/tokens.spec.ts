// API tokens, service accounts and refresh tokens, end to end through the HTTP API against real Postgres,
// Redis and testbed clusters (alpha imported as env=staging, beta as env=prod).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { importCluster, testbed } from '../helpers/clusters.js';
import { eventually, startTestApp, type TestApp } from '../helpers/test-app.js';

const DAY = 24 * 3600 * 1000;
const inDays = (d: number) => new Date(Date.now() + d * DAY).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('API tokens, service accounts and refresh tokens (e2e, testbed)', () => {
  let t: TestApp;
  let admin: string;
  let staging: string;
  let prod: string;

  const createToken = async (token: string, body: Record<string, unknown>) =>
    t.api('POST', '/api/v1/tokens', { token, body: { expires_at: inDays(1), ...body } });
  const clusterNames = async (token: string) => {
    const res = await t.api('GET', '/api/v1/clusters?page_size=100', { token });
    expect(res.status).toBe(200);
    return (res.body.data.data as { name: string }[]).map((c) => c.name).sort();
  };
  const auditRows = async (query: string) => {
    const res = await t.api('GET', `/api/v1/audit-logs?${query}&page_size=100`, { token: admin });
    expect(res.status).toBe(200);
    return res.body.data.data as {
      action: string;
      target_id: string | null;
      token_id: string | null;
      actor_name: string;
      ip: string | null;
      status_code: number;
    }[];
  };

  beforeAll(async () => {
    const [alpha, beta] = testbed();
    t = await startTestApp();
    admin = await t.login();
    staging = await importCluster(t, admin, alpha, 'tok-staging', { labels: { env: 'staging' } });
    prod = await importCluster(t, admin, beta, 'tok-prod', { labels: { env: 'prod' } });
  });
  afterAll(() => t?.close());

  it('creates a token shown once and stored as a hash, lists, gets, rotates and revokes it', async () => {
    const created = await createToken(admin, { name: 'ci', grants: [{ role: 'view' }] });
    expect(created.status).toBe(201);
    const secret = created.body.data.token as string;
    expect(secret).toMatch(/^berth_pat_[0-9A-Za-z]{42}$/);
    const id = created.body.data.id as string;
    expect(created.body.data).toMatchObject({
      name: 'ci',
      username: 'admin',
      status: 'active',
      hint: `berth_pat_…${secret.slice(-6)}`,
      grants: [{ subject_type: 'token', subject_id: id, role: 'view' }],
      last_used_at: null,
    });
    // Only the SHA-256 is stored; the secret is nowhere in the row.
    const { rows } = await t.sql.query(
      'SELECT secret_hash, row_to_json(t)::text AS j FROM api_tokens t WHERE id = $1',
      [id],
    );
    expect(Buffer.compare(rows[0].secret_hash, createHash('sha256').update(secret).digest())).toBe(0);
    expect(rows[0].j).not.toContain(secret.slice(10, 40));

    const me = await t.api('GET', '/api/v1/auth/me', { token: secret });
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ username: 'admin', token_id: id });
    expect(me.body.data.token_grants).toHaveLength(1);

    const got = await t.api('GET', `/api/v1/tokens/${id}`, { token: admin });
    expect(got.status).toBe(200);
    expect(got.body.data.token).toBeUndefined();
    expect(got.body.data.last_used_at).toEqual(expect.any(String));
    expect(got.body.data.last_used_ip).toBe('127.0.0.1');
    const list = await t.api('GET', '/api/v1/tokens', { token: admin });
    expect(list.body.data.data.map((x: { id: string }) => x.id)).toContain(id);
    expect(list.text).not.toContain(secret);

    // The first use from an address is audited with the token id.
    const firstUse = (await auditRows('action=token.new-address')).filter((r) => r.target_id === id);
    expect(firstUse).toEqual([
      expect.objectContaining({ actor_name: 'admin', ip: '127.0.0.1', status_code: 0 }),
    ]);
    expect(firstUse[0].token_id).toBe(id);
    await t.api('GET', '/api/v1/auth/me', { token: secret });
    expect((await auditRows('action=token.new-address')).filter((r) => r.target_id === id)).toHaveLength(1);
    // Every row of a request made with the token names it (a refused write too).
    const refused = await t.api('POST', '/api/v1/credentials', { token: secret, body: {} });
    expect(refused.status).toBe(403);
    expect((await auditRows('action=credential.create')).find((r) => r.token_id === id)).toMatchObject({
      outcome: 'failure',
      status_code: 403,
    });

    const rotated = await t.api('POST', `/api/v1/tokens/${id}/rotate`, { token: admin });
    expect(rotated.status).toBe(200);
    const secret2 = rotated.body.data.token as string;
    expect(secret2).not.toBe(secret);
    expect(rotated.body.data).toMatchObject({ id, grants: [{ role: 'view' }] });
    expect(rotated.body.data.rotated_at).toEqual(expect.any(String));
    const old = await t.api('GET', '/api/v1/auth/me', { token: secret });
    expect(old.status).toBe(401);
    expect(old.body.code).toBe(40100);
    expect((await t.api('GET', '/api/v1/auth/me', { token: secret2 })).status).toBe(200);

    const revoked = await t.api('DELETE', `/api/v1/tokens/${id}`, { token: admin });
    expect(revoked.status).toBe(200);
    const after = await t.api('GET', '/api/v1/auth/me', { token: secret2 });
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ code: 40102, message: 'This API token has been revoked' });
    expect((await t.api('POST', `/api/v1/tokens/${id}/rotate`, { token: admin })).status).toBe(409);
    const active = await t.api('GET', '/api/v1/tokens', { token: admin });
    expect(active.body.data.data.map((x: { id: string }) => x.id)).not.toContain(id);
    const all = await t.api('GET', '/api/v1/tokens?include_revoked=true', { token: admin });
    expect(all.body.data.data.find((x: { id: string }) => x.id === id)).toMatchObject({ status: 'revoked' });

    const actions = (await auditRows('target_type=tokens'))
      .filter((r) => r.target_id === id)
      .map((r) => r.action);
    expect(actions.filter((a) => a === 'token.rotate')).toHaveLength(2); // the one refused with 409 too
    expect(new Set(actions)).toEqual(
      new Set(['token.create', 'token.new-address', 'token.rotate', 'token.revoke']),
    );
  });

  it('refuses bad expiries and malformed secrets; a token stops at its expiry', async () => {
    const past = await createToken(admin, { name: 'x', grants: [{ role: 'view' }], expires_at: inDays(-1) });
    expect(past.status).toBe(400);
    expect(past.body.data.fields[0].field).toBe('expires_at');
    const far = await createToken(admin, { name: 'x', grants: [{ role: 'view' }], expires_at: inDays(91) });
    expect(far.status).toBe(400);
    expect(far.body.data.fields[0].errors[0]).toContain('90 days');
    const none = await t.api('POST', '/api/v1/tokens', {
      token: admin,
      body: { name: 'x', grants: [{ role: 'view' }] },
    });
    expect(none.status).toBe(400);

    const typo = await t.api('GET', '/api/v1/auth/me', { token: 'berth_pat_' + 'a'.repeat(42) });
    expect(typo.status).toBe(401);
    expect(typo.body.message).toContain('malformed');

    const short = await createToken(admin, {
      name: 'short',
      grants: [{ role: 'view' }],
      expires_at: new Date(Date.now() + 2500).toISOString(),
    });
    expect(short.status).toBe(201);
    expect((await t.api('GET', '/api/v1/auth/me', { token: short.body.data.token })).status).toBe(200);
    await sleep(2600);
    const expired = await t.api('GET', '/api/v1/auth/me', { token: short.body.data.token });
    expect(expired.status).toBe(401);
    expect(expired.body.message).toMatch(/^This API token expired at /);
    const shown = await t.api('GET', `/api/v1/tokens/${short.body.data.id}`, { token: admin });
    expect(shown.body.data.status).toBe('expired');
  });

  it('portal flow: a service account with view on env=staging, its token sees only staging clusters', async () => {
    const sa = await t.api('POST', '/api/v1/service-accounts', {
      token: admin,
      body: { name: 'portal-bot' },
    });
    expect(sa.status).toBe(201);
    const saId = sa.body.data.id as string;
    expect(
      (await t.api('POST', '/api/v1/service-accounts', { token: admin, body: { name: 'portal-bot' } }))
        .status,
    ).toBe(409);
    const grant = await t.api('POST', '/api/v1/grants', {
      token: admin,
      body: { subject_type: 'user', subject_id: saId, role: 'view', cluster_selector: 'env=staging' },
    });
    expect(grant.status).toBe(201);
    const tok = await createToken(admin, {
      name: 'portal',
      user_id: saId,
      grants: [{ role: 'view', cluster_selector: 'env=staging' }],
    });
    expect(tok.status).toBe(201);
    expect(tok.body.data).toMatchObject({ user_id: saId, username: 'portal-bot' });
    const bot = tok.body.data.token as string;

    expect(await clusterNames(bot)).toEqual(['tok-staging']);
    expect((await t.api('GET', `/api/v1/clusters/${staging}`, { token: bot })).status).toBe(200);
    const ns = await t.api('GET', `/api/v1/clusters/${staging}/namespaces`, { token: bot });
    expect(ns.status).toBe(200);
    expect(ns.body.data.data.map((n: { metadata: { name: string } }) => n.metadata.name)).toContain(
      'default',
    );
    const hidden = await t.api('GET', `/api/v1/clusters/${prod}`, { token: bot });
    expect(hidden.status).toBe(404);
    expect((await t.api('GET', `/api/v1/clusters/${prod}/namespaces`, { token: bot })).status).toBe(404);
    expect(
      (await t.api('POST', `/api/v1/clusters/${staging}/namespaces`, { token: bot, body: { name: 'nope' } }))
        .status,
    ).toBe(403);

    const listed = await t.api('GET', '/api/v1/service-accounts', { token: admin });
    expect(listed.body.data.data).toEqual([
      expect.objectContaining({ id: saId, name: 'portal-bot', active_tokens: 1 }),
    ]);
    // Not a manager: the bot sees only its own tokens and cannot create any for someone else.
    const own = await t.api('GET', '/api/v1/tokens', { token: bot });
    expect(own.body.data.data.map((x: { id: string }) => x.id)).toEqual([tok.body.data.id]);
    expect(
      (await t.api('GET', `/api/v1/tokens?user_id=${(await me(admin)).id}`, { token: bot })).status,
    ).toBe(403);
    expect((await t.api('GET', '/api/v1/service-accounts', { token: bot })).status).toBe(403);

    // A service account cannot log in with a password, even one set through PATCH /users.
    const pw = 'portal-bot-password-1';
    expect(
      (await t.api('PATCH', `/api/v1/users/${saId}`, { token: admin, body: { password: pw } })).status,
    ).toBe(200);
    const login = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'portal-bot', password: pw },
    });
    expect(login.status).toBe(401);
    expect(login.body.code).toBe(40101);

    // Owner disabled → its tokens are refused; enabled again → they work.
    await t.api('PATCH', `/api/v1/users/${saId}`, { token: admin, body: { disabled: true } });
    const off = await t.api('GET', '/api/v1/clusters', { token: bot });
    expect(off.status).toBe(401);
    expect(off.body).toMatchObject({ code: 40102, message: 'The owner of this API token is disabled' });
    await t.api('PATCH', `/api/v1/users/${saId}`, { token: admin, body: { disabled: false } });
    expect((await t.api('GET', '/api/v1/clusters', { token: bot })).status).toBe(200);

    // Deleting the account revokes its tokens and removes its grants and its tokens' grants.
    expect((await t.api('DELETE', `/api/v1/service-accounts/${saId}`, { token: admin })).status).toBe(200);
    const gone = await t.api('GET', '/api/v1/clusters', { token: bot });
    expect(gone.status).toBe(401);
    const left = await t.sql.query(
      `SELECT count(*)::int AS n FROM grants WHERE subject_id = $1 OR subject_id = $2`,
      [saId, tok.body.data.id],
    );
    expect(left.rows[0].n).toBe(0);
    expect((await t.api('GET', `/api/v1/service-accounts/${saId}`, { token: admin })).status).toBe(404);
  });

  const me = async (token: string) => (await t.api('GET', '/api/v1/auth/me', { token })).body.data;

  it('a token cannot mint a stronger token, and loses what its owner loses', async () => {
    const user = await t.api('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'tok-dev', password: 'tok-dev-password', role: 'none' },
    });
    const userId = user.body.data.id as string;
    const g = await t.api('POST', '/api/v1/grants', {
      token: admin,
      body: { subject_type: 'user', subject_id: userId, role: 'edit', cluster_selector: 'env=staging' },
    });
    expect(g.status).toBe(201);
    const dev = await t.login('tok-dev', 'tok-dev-password');

    // The human cannot give a token more than it has.
    const tooMuch = await createToken(dev, {
      name: 'x',
      grants: [{ role: 'view' }, { role: 'edit', cluster_selector: 'env=staging' }],
    });
    expect(tooMuch.status).toBe(403);
    expect(tooMuch.body.data.fields).toEqual([
      { field: 'grants[0]', errors: [expect.stringContaining('exceeds your own grants')] },
    ]);

    const viewTok = await createToken(dev, {
      name: 'view',
      grants: [{ role: 'view', cluster_selector: 'env=staging' }],
    });
    expect(viewTok.status).toBe(201);
    const view = viewTok.body.data.token as string;
    // The view token tries to mint an edit token (within its owner's grants, not within its own): 403.
    const stronger = await createToken(view, {
      name: 'y',
      grants: [{ role: 'edit', cluster_selector: 'env=staging' }],
    });
    expect(stronger.status).toBe(403);
    expect(stronger.body.data.fields[0].field).toBe('grants[0]');
    const wider = await createToken(view, { name: 'y', grants: [{ role: 'view' }] });
    expect(wider.status).toBe(403);
    const narrower = await createToken(view, {
      name: 'z',
      grants: [{ role: 'view', cluster_ids: [staging] }],
    });
    expect(narrower.status).toBe(201);
    // Nor a token for a service account: that needs principals.manage.
    const sa = await t.api('POST', '/api/v1/service-accounts', { token: admin, body: { name: 'tok-sa2' } });
    const forOther = await createToken(view, {
      name: 'q',
      user_id: sa.body.data.id,
      grants: [{ role: 'view', cluster_ids: [staging] }],
    });
    expect(forOther.status).toBe(403);
    // A human other than yourself is refused even for an admin.
    const forHuman = await createToken(admin, { name: 'q', user_id: userId, grants: [{ role: 'view' }] });
    expect(forHuman.status).toBe(400);
    expect(forHuman.body.data.fields[0].field).toBe('user_id');

    // The token's reach follows its owner: remove the owner's grant, the token sees nothing.
    expect(await clusterNames(view)).toEqual(['tok-staging']);
    expect((await t.api('DELETE', `/api/v1/grants/${g.body.data.id}`, { token: admin })).status).toBe(200);
    await eventually(
      async () => (await t.api('GET', `/api/v1/clusters/${staging}`, { token: view })).status === 404,
      3000,
    );
    const list = await t.api('GET', '/api/v1/clusters', { token: view });
    expect(list.status).toBe(403); // no grant left at all
    expect(list.text).not.toContain('tok-staging');
  });

  it('refresh tokens rotate; a reused one ends the whole session; logout ends it too', async () => {
    const login = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: 'test-admin-password' },
    });
    expect(login.status).toBe(200);
    const r1 = login.body.data.refresh_token as string;
    const a1 = login.body.data.access_token as string;
    expect(r1).toMatch(/^berth_rt_[0-9A-Za-z]{42}$/);
    expect(login.body.data.refresh_expires_in).toBe(14 * 24 * 3600);

    const first = await t.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: r1 } });
    expect(first.status).toBe(200);
    const { access_token: a2, refresh_token: r2 } = first.body.data;
    expect(r2).not.toBe(r1);
    expect(a2).not.toBe(a1);
    expect(first.body.data.user.username).toBe('admin');
    expect((await t.api('GET', '/api/v1/auth/me', { token: a2 })).status).toBe(200);
    const second = await t.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: r2 } });
    expect(second.status).toBe(200);
    const { access_token: a3, refresh_token: r3 } = second.body.data;

    // r1 again: theft. Every refresh and access token of the family is dead.
    const reuse = await t.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: r1 } });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe(40102);
    expect(reuse.body.message).toContain('already used');
    expect((await t.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: r3 } })).status).toBe(401);
    for (const a of [a1, a2, a3]) {
      const res = await t.api('GET', '/api/v1/auth/me', { token: a });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(40102);
    }
    // Other sessions of the same user are untouched.
    expect((await t.api('GET', '/api/v1/auth/me', { token: admin })).status).toBe(200);

    // Logout ends the session's refresh family.
    const l2 = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: 'test-admin-password' },
    });
    const n1 = await t.api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: l2.body.data.refresh_token },
    });
    expect((await t.api('POST', '/api/v1/auth/logout', { token: n1.body.data.access_token })).status).toBe(
      200,
    );
    const afterLogout = await t.api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: n1.body.data.refresh_token },
    });
    expect(afterLogout.status).toBe(401);
    expect(afterLogout.body.code).toBe(40102);
    expect((await t.api('GET', '/api/v1/auth/me', { token: l2.body.data.access_token })).status).toBe(401);

    // A password change ends the session's refresh too.
    await t.api('POST', '/api/v1/users', {
      token: admin,
      body: { username: 'tok-pw', password: 'tok-pw-password', role: 'viewer' },
    });
    const l3 = await t.api('POST', '/api/v1/auth/login', {
      body: { username: 'tok-pw', password: 'tok-pw-password' },
    });
    const uid = l3.body.data.user.id as string;
    await sleep(5);
    await t.api('PATCH', `/api/v1/users/${uid}`, { token: admin, body: { password: 'tok-pw-password-2' } });
    const changed = await t.api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: l3.body.data.refresh_token },
    });
    expect(changed.status).toBe(401);
    expect(changed.body.code).toBe(40102);

    // Logout with an API token revokes that token.
    const tok = await createToken(admin, { name: 'bye', grants: [{ role: 'view' }] });
    expect((await t.api('POST', '/api/v1/auth/logout', { token: tok.body.data.token })).status).toBe(200);
    expect((await t.api('GET', '/api/v1/auth/me', { token: tok.body.data.token })).body.code).toBe(40102);
  });

  it('throttles failed refreshes per address like logins (429 with Retry-After)', async () => {
    let res;
    for (let i = 0; i < 7; i++) {
      res = await t.api('POST', '/api/v1/auth/refresh', { body: { refresh_token: 'berth_rt_nope' } });
      if (res.status === 429) break;
      expect(res.status).toBe(401);
    }
    expect(res!.status).toBe(429);
    expect(Number(res!.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
