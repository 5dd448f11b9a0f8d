import { afterAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { AppError } from '../../src/common/app-error.js';
import { CredentialsService } from '../../src/credentials/credentials.service.js';
import { OperationType } from '../../src/operations/operation-types.js';
import { OperationsService } from '../../src/operations/operations.service.js';
import { deleteRedisPrefix, eventually, startTestApp, type TestApp } from '../helpers/test-app.js';

const key = () => randomBytes(32).toString('base64');
const K1 = `k1:${key()}`;
const K2 = `k2:${key()}`;

async function waitForOperation(t: TestApp, token: string, id: string) {
  return eventually(async () => {
    const op = (await t.api('GET', `/api/v1/operations/${id}`, { token })).body.data;
    return ['succeeded', 'failed'].includes(op.status) ? op : null;
  }, 15_000);
}

async function createCredentials(t: TestApp, token: string, n: number, prefix: string) {
  for (let i = 0; i < n; i++) {
    const res = await t.api('POST', '/api/v1/credentials', {
      token,
      body: {
        name: `${prefix}-${i}`,
        provider: 'tke',
        settings: { region: 'ap-shanghai' },
        secrets: { secret_id: `AKID${prefix}${i}xxxxxx`, secret_key: `secret-${prefix}-${i}-value` },
      },
    });
    expect(res.status).toBe(201);
  }
}

describe('operations and key rotation (e2e)', () => {
  const open: TestApp[] = [];
  afterAll(async () => {
    for (const t of open) await t.close().catch(() => undefined);
  });

  it('rotates the encryption key: old rows still decrypt, re-encryption moves them all to the new key', async () => {
    const a = await startTestApp({ env: { BERTH_ENCRYPTION_KEYS: K1 } });
    let token = await a.login();
    await createCredentials(a, token, 3, 'old');
    await a.close({ keepDatabase: true });

    // New key first in the ring: new writes use k2, k1 rows still decrypt.
    const b = await startTestApp({
      dbName: a.dbName,
      redisPrefix: a.redisPrefix,
      env: { BERTH_ENCRYPTION_KEYS: `${K2},${K1}` },
    });
    token = await b.login();
    const keys = await b.api('GET', '/api/v1/secrets/keys', { token });
    expect(keys.body.data).toEqual({
      active_key_id: 'k2',
      sealed_by_key: { credentials: { k1: 3 }, clusters: {} },
      not_under_active_key: 3,
    });
    const creds = b.app.get(CredentialsService);
    const list = (await b.api('GET', '/api/v1/credentials', { token })).body.data.data;
    expect((await creds.reveal(list[0].id)).secrets.secret_key).toBe('secret-old-0-value');
    await createCredentials(b, token, 1, 'new');
    expect(
      (await b.sql.query("SELECT secret_sealed FROM credentials WHERE name = 'new-0'")).rows[0].secret_sealed,
    ).toMatch(/^v1:k2:/);

    const started = await b.api('POST', '/api/v1/secrets/reencrypt', {
      token,
      headers: { 'idempotency-key': 'rotate-1' },
    });
    expect(started.status).toBe(202);
    expect(started.body.data).toMatchObject({
      type: 'secrets.reencrypt',
      status: expect.stringMatching(/queued|running|succeeded/),
    });
    const replay = await b.api('POST', '/api/v1/secrets/reencrypt', {
      token,
      headers: { 'idempotency-key': 'rotate-1' },
    });
    expect(replay.body.data.id).toBe(started.body.data.id);
    const done = await waitForOperation(b, token, started.body.data.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      progress: 100,
      result: { active_key_id: 'k2', resealed: 3, total: 3 },
      attempts: 1,
    });
    const rows = (await b.sql.query('SELECT secret_sealed FROM credentials')).rows;
    expect(rows.every((r: { secret_sealed: string }) => r.secret_sealed.startsWith('v1:k2:'))).toBe(true);
    expect((await b.api('GET', '/api/v1/secrets/keys', { token })).body.data.not_under_active_key).toBe(0);
    await b.close({ keepDatabase: true });

    // The old key can now be dropped...
    const c = await startTestApp({
      dbName: a.dbName,
      redisPrefix: a.redisPrefix,
      env: { BERTH_ENCRYPTION_KEYS: K2 },
    });
    expect((await c.app.get(CredentialsService).reveal(list[0].id)).secrets.secret_key).toBe(
      'secret-old-0-value',
    );
    await c.close({ keepDatabase: true });

    // ...while a ring without the key in use cannot read the secrets, and says so.
    const d = await startTestApp({
      dbName: a.dbName,
      redisPrefix: a.redisPrefix,
      env: { BERTH_ENCRYPTION_KEYS: K1 },
    });
    open.push(d);
    const err = await d.app
      .get(CredentialsService)
      .reveal(list[0].id)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(50001);
    expect((err as AppError).message).toContain('"k2", which is not in the key ring');
  });

  it('refuses an Idempotency-Key reused for a different request, and a malformed key', async () => {
    const t = await startTestApp();
    open.push(t);
    const token = await t.login();
    const ops = t.app.get(OperationsService);
    const base = {
      type: OperationType.SECRETS_REENCRYPT,
      targetType: 'secrets',
      actorId: null,
      idempotencyKey: 'same-key',
    };
    const first = await ops.start({ ...base, targetId: 'a' });
    expect((await ops.start({ ...base, targetId: 'a' })).id).toBe(first.id);
    await expect(ops.start({ ...base, targetId: 'b' })).rejects.toMatchObject({ code: 40901, status: 409 });
    const bad = await t.api('POST', '/api/v1/secrets/reencrypt', {
      token,
      headers: { 'idempotency-key': 'has space' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.data.fields[0].field).toBe('Idempotency-Key');
  });

  it('recovers operations after a restart: lost jobs are re-queued, kept jobs run, each exactly once', async () => {
    // Instance A has no workers: it only records and queues.
    const a = await startTestApp({ env: { BERTH_WORKERS: 'false' } });
    let token = await a.login();
    const lost = (
      await a.api('POST', '/api/v1/secrets/reencrypt', { token, headers: { 'idempotency-key': 'lost' } })
    ).body.data;
    await new Promise((r) => setTimeout(r, 300));
    expect((await a.api('GET', `/api/v1/operations/${lost.id}`, { token })).body.data.status).toBe('queued');
    // Redis loses the queue (it keeps nothing on disk here): the job is gone, the row is not.
    await deleteRedisPrefix(a.config.redis.url, `${a.redisPrefix}bull`);
    const kept = (
      await a.api('POST', '/api/v1/secrets/reencrypt', { token, headers: { 'idempotency-key': 'kept' } })
    ).body.data;
    await a.close({ keepDatabase: true });

    const b = await startTestApp({ dbName: a.dbName, redisPrefix: a.redisPrefix });
    open.push(b);
    token = await b.login();
    for (const op of [lost, kept]) {
      const done = await waitForOperation(b, token, op.id);
      expect(done).toMatchObject({ status: 'succeeded', attempts: 1, progress: 100 });
    }
    const list = await b.api('GET', '/api/v1/operations?type=secrets.reencrypt&status=succeeded', { token });
    expect(list.body.data.total).toBe(2);
    expect(b.logs.join('\n')).toContain(`re-queued operation ${lost.id}`);
  });
});
