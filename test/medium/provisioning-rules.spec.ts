import { Role } from '../../src/auth/role.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { ClusterProvider, ClusterStatus } from '../../src/clusters/cluster.entity.js';
import { ClustersRepository } from '../../src/clusters/clusters.repository.js';
import type { UpdateClusterDto } from '../../src/clusters/dto/cluster.dto.js';
import { ProvisioningService } from '../../src/clusters/provisioning.service.js';
import { ErrorCode } from '../../src/common/error-codes.js';
import { ClusterAccessStore } from '../../src/kube/access/cluster-access.store.js';
import { NodePoolsService } from '../../src/nodes/node-pools.service.js';
import { OperationStatus, OperationType } from '../../src/operations/operation-types.js';
import { OperationsService } from '../../src/operations/operations.service.js';
import { deleteRedisPrefix } from '../helpers/test-app.js';
import { type MediumDb, mediumDb } from '../helpers/medium.js';

/**
 * Provisioning rules on the real services, Postgres and Redis, without HTTP and without workers (so
 * operations stay queued): what a vendor cluster may change, and the one "operation in progress" rule.
 */
describe('provisioning rules (medium: real Postgres + Redis, no HTTP, no workers)', () => {
  let db: MediumDb;
  let ctx: INestApplicationContext;
  let ds: DataSource;
  let provisioning: ProvisioningService;
  let operations: OperationsService;
  let pools: NodePoolsService;
  let clusters: ClustersRepository;
  let store: ClusterAccessStore;
  const actor = randomUUID();

  async function cluster(
    provider: ClusterProvider,
    status = ClusterStatus.ACTIVE,
  ): Promise<{ id: string; name: string }> {
    const id = randomUUID();
    const name = `c-${id.slice(0, 8)}`;
    const vendor = provider !== ClusterProvider.IMPORTED;
    const credentialId = randomUUID();
    // A credential row for the foreign key; it is never opened (no vendor call happens in these rules).
    if (vendor)
      await ds.query(
        `INSERT INTO credentials (id, name, provider, secret_sealed) VALUES ($1, $2, $3, 'unused')`,
        [credentialId, `cred-${name}`, provider],
      );
    await clusters.insert({
      id,
      name,
      provider,
      status,
      labels: {},
      credentialId: vendor ? credentialId : null,
      vendorClusterId: vendor ? `v-${id.slice(0, 8)}` : null,
      ...(vendor
        ? {}
        : store.seal(id, { server: 'https://127.0.0.1:1', auth: { type: 'token', token: 't' } })),
    });
    return { id, name };
  }

  const update = (id: string, dto: UpdateClusterDto, key?: string) =>
    provisioning.update(id, dto, { id: actor, username: 'admin', role: Role.ADMIN, jti: 'j', exp: 0 }, key);

  beforeAll(async () => {
    db = await mediumDb();
    ctx = await NestFactory.createApplicationContext(AppModule.forRoot(db.config), { logger: false });
    ds = ctx.get(DataSource);
    // The actor holds the admin grant (as the first admin does).
    await ds.query(
      `INSERT INTO users (id, username, password_hash, role) VALUES ($1, 'medium-admin', 'x', 'admin')`,
      [actor],
    );
    await ds.query(
      `INSERT INTO grants (id, subject_type, subject_id, role) VALUES (gen_random_uuid(), 'user', $1, 'admin')`,
      [actor],
    );
    provisioning = ctx.get(ProvisioningService);
    operations = ctx.get(OperationsService);
    pools = ctx.get(NodePoolsService);
    clusters = ctx.get(ClustersRepository, { strict: false });
    store = ctx.get(ClusterAccessStore);
  });

  afterAll(async () => {
    await ctx?.close();
    if (db) await deleteRedisPrefix(db.config.redis.url, db.config.redis.key_prefix);
    await db?.drop();
  });

  it('an imported cluster has no vendor side: no deletion protection, no destroy, no node pools', async () => {
    const c = await cluster(ClusterProvider.IMPORTED);
    await expect(update(c.id, { deletion_protection: true })).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
    });
    await expect(provisioning.remove(c.id, true, actor)).rejects.toMatchObject({
      code: ErrorCode.UNPROCESSABLE,
    });
    await expect(pools.list(c.id)).rejects.toMatchObject({ code: ErrorCode.UNPROCESSABLE });
    // Berth-only fields change at once (200), no operation.
    expect(await update(c.id, { labels: { team: 'a' } })).toMatchObject({
      status: 200,
      body: { labels: { team: 'a' } },
    });
  });

  it('a vendor cluster keeps its vendor access and changes only what its provider supports', async () => {
    const c = await cluster(ClusterProvider.RANCHER);
    await expect(update(c.id, { server: 'https://x.example', token: 't' })).rejects.toMatchObject({
      code: ErrorCode.VALIDATION_FAILED,
      details: { fields: [{ field: 'server' }, { field: 'token' }] },
    });
    // Rancher changes the description only: a rename is refused (a capability refusal, 422), not
    // silently applied to the record.
    await expect(update(c.id, { name: 'renamed' })).rejects.toMatchObject({
      code: ErrorCode.UNPROCESSABLE,
      details: { provider: 'rancher', unsupported: ['name'] },
    });
    expect((await ds.query('SELECT name FROM clusters WHERE id = $1', [c.id]))[0].name).toBe(c.name);
    // Rancher removes single nodes (CAPI delete-machine; the whole flow runs in
    // test/e2e/vendor-lifecycle-rancher.spec.ts): no capability refusal here — what stops this record is
    // its made-up credential, which cannot be opened.
    await expect(pools.removeNode(c.id, 'node-1', actor)).rejects.toMatchObject({
      code: ErrorCode.SECRET_UNREADABLE,
    });
  });

  it('vendor-side changes need the cluster active', async () => {
    const c = await cluster(ClusterProvider.RANCHER, ClusterStatus.PROVISIONING);
    await expect(update(c.id, { description: 'd' })).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      details: { status: 'provisioning' },
    });
  });

  it('one operation at a time: a second change is 409 naming it, the same Idempotency-Key replays it, a detach waits', async () => {
    const c = await cluster(ClusterProvider.RANCHER);
    const first = await update(c.id, { description: 'one' }, 'key-1');
    expect(first.status).toBe(202);
    const op = first.body as { id: string; type: string };
    expect(op.type).toBe(OperationType.CLUSTER_UPDATE);
    expect((await operations.findActive('clusters', c.id))?.id).toBe(op.id);

    await expect(update(c.id, { description: 'two' })).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      message: `cluster ${c.name} has operation ${op.id} (${op.type}) in progress`,
      details: { operation_id: op.id },
    });
    expect(await update(c.id, { description: 'one' }, 'key-1')).toEqual({
      status: 202,
      body: expect.objectContaining({ id: op.id }),
    });
    await expect(provisioning.remove(c.id, false, actor)).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      details: { operation_id: op.id },
    });
    // A destroy does not start beside another operation either.
    await expect(provisioning.remove(c.id, true, actor)).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      details: { operation_id: op.id },
    });

    // Once it is finished, the cluster is free again.
    await ds.query(`UPDATE operations SET status = $2 WHERE id = $1`, [op.id, OperationStatus.SUCCEEDED]);
    expect(await operations.findActive('clusters', c.id)).toBeNull();
    expect((await update(c.id, { description: 'two' })).status).toBe(202);
  });

  it('concurrent changes: exactly one starts and the others name it; concurrent destroys join one', async () => {
    const c = await cluster(ClusterProvider.RANCHER);
    const tries = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => update(c.id, { description: `racer ${i}` })),
    );
    const won = tries.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const op = (won[0] as PromiseFulfilledResult<{ status: number; body: { id: string } }>).value.body;
    for (const r of tries.filter((x) => x.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        code: ErrorCode.CONFLICT,
        details: { operation_id: op.id },
      });
    const rows = await ds.query(`SELECT id FROM operations WHERE target_id = $1`, [c.id]);
    expect(rows).toEqual([{ id: op.id }]);

    const d = await cluster(ClusterProvider.RANCHER);
    const destroys = await Promise.all(
      Array.from({ length: 6 }, () => provisioning.remove(d.id, true, actor)),
    );
    const ids = new Set(destroys.map((r) => (r.body as { id: string }).id));
    expect(ids.size).toBe(1);
    expect(await ds.query(`SELECT count(*)::int AS n FROM operations WHERE target_id = $1`, [d.id])).toEqual([
      { n: 1 },
    ]);
  });

  it('findActive prefers the running operation to a newer queued one', async () => {
    const c = await cluster(ClusterProvider.RANCHER);
    const running = (await update(c.id, { description: 'a' })).body as { id: string };
    await ds.query(`UPDATE operations SET status = 'running' WHERE id = $1`, [running.id]);
    const queued = await operations.start({
      type: OperationType.CLUSTER_UPDATE,
      targetType: 'clusters',
      targetId: c.id,
      payload: { n: 2 },
      actorId: actor,
    });
    expect(queued.status).toBe('queued');
    expect((await operations.findActive('clusters', c.id))?.id).toBe(running.id);
  });

  it('destroy marks the cluster deleting, and asking again answers the same operation', async () => {
    const c = await cluster(ClusterProvider.RANCHER);
    const first = await provisioning.remove(c.id, true, actor);
    expect(first.status).toBe(202);
    expect((await ds.query('SELECT status FROM clusters WHERE id = $1', [c.id]))[0].status).toBe('deleting');
    const again = await provisioning.remove(c.id, true, actor);
    expect(again).toEqual({
      status: 202,
      body: expect.objectContaining({
        id: (first.body as { id: string }).id,
        type: OperationType.CLUSTER_DESTROY,
      }),
    });
  });
});
