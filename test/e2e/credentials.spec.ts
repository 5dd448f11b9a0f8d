import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CredentialsService } from '../../src/credentials/credentials.service.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const SECRETS = {
  ack: { access_key_id: 'LTAI5tAckKeyId0001', access_key_secret: 'ack-secret-value-Zq93kd' },
  tke: { secret_id: 'AKIDtkeSecretId00001', secret_key: 'tke-secret-key-Pp81xk' },
  rancher: { token: 'token-abc12:rancherSecretXyz123' },
  harbor: { password: 'harbor-password-Hk22m' },
};
const SETTINGS = {
  ack: { region_id: 'cn-hangzhou' },
  tke: { region: 'ap-guangzhou' },
  rancher: { endpoint: 'https://rancher.example.com' },
  harbor: { endpoint: 'https://harbor.example.com', username: 'admin' },
};
const PLAINTEXTS = Object.values(SECRETS).flatMap((s) => Object.values(s));

describe('credentials (e2e)', () => {
  let t: TestApp;
  let admin: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login();
  });
  afterAll(() => t.close());

  it('creates a credential for every provider and never returns its secrets', async () => {
    for (const provider of ['ack', 'tke', 'rancher', 'harbor'] as const) {
      const res = await t.api('POST', '/api/v1/credentials', {
        token: admin,
        body: {
          name: `${provider}-main`,
          provider,
          description: 'test',
          settings: SETTINGS[provider],
          secrets: SECRETS[provider],
        },
      });
      expect(res.status).toBe(201);
      expect(res.body.data).toMatchObject({
        name: `${provider}-main`,
        provider,
        settings: SETTINGS[provider],
      });
      expect(Object.keys(res.body.data.secret_hints).sort()).toEqual(Object.keys(SECRETS[provider]).sort());
      for (const hint of Object.values(res.body.data.secret_hints as Record<string, string>))
        expect(hint).toMatch(/^\*\*\*\*/);
      expect(res.body.data).not.toHaveProperty('secrets');
      for (const p of PLAINTEXTS) expect(res.text).not.toContain(p);
      ids[provider] = res.body.data.id;
    }
    const list = await t.api('GET', '/api/v1/credentials?page_size=500', { token: admin });
    const one = await t.api('GET', `/api/v1/credentials/${ids.ack}`, { token: admin });
    for (const p of PLAINTEXTS) {
      expect(list.text).not.toContain(p);
      expect(one.text).not.toContain(p);
    }
    expect(list.body.data.total).toBe(4);
  });

  it('stores secrets only as AES-256-GCM ciphertext (read straight from the table)', async () => {
    const { rows } = await t.sql.query('SELECT * FROM credentials');
    expect(rows).toHaveLength(4);
    const dump = JSON.stringify(rows);
    for (const p of PLAINTEXTS) expect(dump).not.toContain(p);
    for (const r of rows) expect(r.secret_sealed).toMatch(/^v1:dev:[A-Za-z0-9+/=]+$/);
  });

  it('hands plaintext to other services through reveal() only', async () => {
    const revealed = await t.app.get(CredentialsService).reveal(ids.tke);
    expect(revealed).toMatchObject({ provider: 'tke', settings: SETTINGS.tke, secrets: SECRETS.tke });
  });

  it('validates settings and secrets per provider, listing every bad field', async () => {
    const res = await t.api('POST', '/api/v1/credentials', {
      token: admin,
      body: {
        name: 'bad-ack',
        provider: 'ack',
        settings: { region_id: 'Hangzhou', junk: 1 },
        secrets: { access_key_id: 'x' },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(40001);
    const fields = res.body.data.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual([
      'secrets.access_key_id',
      'secrets.access_key_secret',
      'settings.junk',
      'settings.region_id',
    ]);
    const rancher = await t.api('POST', '/api/v1/credentials', {
      token: admin,
      body: {
        name: 'bad-rancher',
        provider: 'rancher',
        settings: { endpoint: 'ftp://x' },
        secrets: { token: 'plain' },
      },
    });
    expect(rancher.status).toBe(400);
    expect(rancher.body.data.fields.map((f: { field: string }) => f.field).sort()).toEqual([
      'secrets.token',
      'settings.endpoint',
    ]);
    const unknown = await t.api('POST', '/api/v1/credentials', {
      token: admin,
      body: { name: 'x', provider: 'aws', settings: {}, secrets: {} },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.data.fields[0].field).toBe('provider');
    expect(
      (await t.sql.query("SELECT count(*)::int AS n FROM credentials WHERE name LIKE 'bad-%'")).rows[0].n,
    ).toBe(0);
  });

  it('refuses a duplicate name with 409', async () => {
    const res = await t.api('POST', '/api/v1/credentials', {
      token: admin,
      body: { name: 'ack-main', provider: 'ack', settings: SETTINGS.ack, secrets: SECRETS.ack },
    });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe(40900);
  });

  it('updates settings and merges a partial secret change, re-encrypting it', async () => {
    const before = (await t.sql.query('SELECT secret_sealed FROM credentials WHERE id = $1', [ids.ack]))
      .rows[0].secret_sealed;
    const res = await t.api('PATCH', `/api/v1/credentials/${ids.ack}`, {
      token: admin,
      body: {
        settings: { region_id: 'cn-beijing' },
        secrets: { access_key_secret: 'rotated-secret-Value77' },
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.data.settings.region_id).toBe('cn-beijing');
    expect(res.body.data.secret_hints.access_key_secret).toBe('****ue77');
    expect(res.text).not.toContain('rotated-secret-Value77');
    const after = (await t.sql.query('SELECT secret_sealed FROM credentials WHERE id = $1', [ids.ack]))
      .rows[0].secret_sealed;
    expect(after).not.toBe(before);
    const revealed = await t.app.get(CredentialsService).reveal(ids.ack);
    expect(revealed.secrets).toEqual({
      access_key_id: SECRETS.ack.access_key_id,
      access_key_secret: 'rotated-secret-Value77',
    });
    const bad = await t.api('PATCH', `/api/v1/credentials/${ids.ack}`, {
      token: admin,
      body: { settings: { region_id: '!' } },
    });
    expect(bad.status).toBe(400);
  });

  it('filters by provider and name, paginates, and 404s unknown ids', async () => {
    const byProvider = await t.api('GET', '/api/v1/credentials?provider=harbor', { token: admin });
    expect(byProvider.body.data.data.map((c: { name: string }) => c.name)).toEqual(['harbor-main']);
    const byName = await t.api('GET', '/api/v1/credentials?q=ke-', { token: admin });
    expect(byName.body.data.data.map((c: { name: string }) => c.name)).toEqual(['tke-main']);
    const page2 = await t.api('GET', '/api/v1/credentials?page=2&page_size=3', { token: admin });
    expect(page2.body.data).toMatchObject({ cur_page: 2, cur_page_size: 3, total: 4, total_page: 2 });
    expect(page2.body.data.data).toHaveLength(1);
    const missing = await t.api('GET', '/api/v1/credentials/00000000-0000-4000-8000-000000000000', {
      token: admin,
    });
    expect(missing.status).toBe(404);
    const badId = await t.api('GET', '/api/v1/credentials/not-a-uuid', { token: admin });
    expect(badId.status).toBe(400);
    expect(badId.body.code).toBe(40002);
  });

  it('deletes a credential', async () => {
    expect((await t.api('DELETE', `/api/v1/credentials/${ids.harbor}`, { token: admin })).status).toBe(200);
    expect((await t.api('GET', `/api/v1/credentials/${ids.harbor}`, { token: admin })).status).toBe(404);
    expect((await t.api('DELETE', `/api/v1/credentials/${ids.harbor}`, { token: admin })).status).toBe(404);
  });

  it('never writes secrets or the Authorization header into the logs', async () => {
    const joined = t.logs.join('\n');
    expect(joined.length).toBeGreaterThan(0);
    expect(joined).toContain('"reqId"');
    for (const p of [...PLAINTEXTS, 'rotated-secret-Value77', admin]) expect(joined).not.toContain(p);
  });
});
