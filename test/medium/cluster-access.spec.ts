import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Global, type INestApplicationContext, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ClusterProvider, ClusterStatus } from '../../src/clusters/cluster.entity.js';
import { ClustersRepository } from '../../src/clusters/clusters.repository.js';
import { AppError } from '../../src/common/app-error.js';
import { SealedStores } from '../../src/common/crypto/sealed-stores.js';
import { SecretBox } from '../../src/common/crypto/secret-box.js';
import { ErrorCode } from '../../src/common/error-codes.js';
import { ConfigModule } from '../../src/config/config.module.js';
import { DatabaseModule } from '../../src/database/database.module.js';
import { ClusterAccessModule } from '../../src/kube/access/cluster-access.module.js';
import { ClusterAccessStore } from '../../src/kube/access/cluster-access.store.js';
import { ClusterAccessVerifier } from '../../src/kube/access/cluster-access.verifier.js';
import { ClusterClients } from '../../src/kube/access/cluster-clients.js';
import type { ProbeResult } from '../../src/kube/access/cluster-prober.js';
import type { ClusterAccess } from '../../src/kube/client/cluster-access.js';
import { ClusterClientPool } from '../../src/kube/client/cluster-client.pool.js';
import { type MediumDb, mediumDb } from '../helpers/medium.js';

/** The sealing half of CryptoModule (without its key-rotation routes, which start operations). */
@Global()
@Module({ providers: [SecretBox, SealedStores], exports: [SecretBox, SealedStores] })
class SealingModule {}

/**
 * The access store, clients and verifier on the real Postgres, without HTTP: only the access module
 * and what it stands on (config, database, crypto) are loaded — it needs nothing above it.
 */
describe('cluster access (medium: real Postgres, no HTTP)', () => {
  let db: MediumDb;
  let ctx: INestApplicationContext;
  let ds: DataSource;
  let store: ClusterAccessStore;
  let clients: ClusterClients;
  let pool: ClusterClientPool;
  let verifier: ClusterAccessVerifier;
  let clusters: ClustersRepository;

  const access = (token = 'tok-123'): ClusterAccess => ({
    server: 'https://127.0.0.1:1',
    auth: { type: 'token', token },
  });
  const ok: ProbeResult = { ok: true, version: 'v1.36.3', nodeCount: 3, readyNodeCount: 2, latencyMs: 7 };
  const down: ProbeResult = {
    ok: false,
    error: new AppError(ErrorCode.CLUSTER_UNREACHABLE, 'Cluster x is unreachable'),
    latencyMs: 5,
  };
  const row = async (id: string) =>
    (
      await ds.query(
        'SELECT name, status, server, auth_type, access_sealed, access_version, version, node_count, ready_node_count, last_error FROM clusters WHERE id = $1',
        [id],
      )
    )[0] as Record<string, unknown>;

  /** A record inserted through ClustersRepository, its access sealed by the store. */
  async function insert(name: string, withAccess = true): Promise<string> {
    const id = randomUUID();
    await clusters.insert({
      id,
      name,
      provider: withAccess ? ClusterProvider.IMPORTED : ClusterProvider.RANCHER,
      status: withAccess ? ClusterStatus.ACTIVE : ClusterStatus.PROVISIONING,
      labels: {},
      ...(withAccess ? store.seal(id, access()) : {}),
    });
    return id;
  }

  beforeAll(async () => {
    db = await mediumDb();
    const module = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), DatabaseModule, SealingModule, ClusterAccessModule],
      providers: [ClustersRepository],
    }).compile();
    ctx = await module.init();
    ds = ctx.get(DataSource);
    store = ctx.get(ClusterAccessStore);
    clients = ctx.get(ClusterClients);
    pool = ctx.get(ClusterClientPool);
    verifier = ctx.get(ClusterAccessVerifier);
    clusters = ctx.get(ClustersRepository);
  });

  afterAll(async () => {
    await ctx?.close();
    await db?.drop();
  });

  it('seals an access bound to its cluster: the token is not in the row, it opens for that id only', async () => {
    const id = await insert('seal-a');
    const r = await row(id);
    expect(r).toMatchObject({ server: 'https://127.0.0.1:1', auth_type: 'token', access_version: 1 });
    expect(String(r.access_sealed)).not.toContain('tok-123');
    expect(store.open({ id, accessSealed: String(r.access_sealed) })).toEqual(access());
    // Sealed for another cluster's id: refused as unreadable, never opened.
    const other = randomUUID();
    let err: unknown;
    try {
      store.open({ id: other, accessSealed: String(r.access_sealed) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(ErrorCode.SECRET_UNREADABLE);
  });

  it('replace bumps the access version and writes status and probe columns from the probe', async () => {
    const id = await insert('replace-a');
    await store.replace(id, access('tok-2'), ok);
    expect(await row(id)).toMatchObject({
      status: 'active',
      access_version: 2,
      version: 'v1.36.3',
      node_count: 3,
      ready_node_count: 2,
      last_error: null,
    });
    await store.replace(id, { ...access('tok-3'), server: 'https://127.0.0.2:1' }, down);
    const r = await row(id);
    // A failed probe keeps the last known version and node counts.
    expect(r).toMatchObject({
      status: 'unavailable',
      access_version: 3,
      server: 'https://127.0.0.2:1',
      version: 'v1.36.3',
      node_count: 3,
      last_error: 'Cluster x is unreachable',
    });
    expect(store.open({ id, accessSealed: String(r.access_sealed) }).auth).toEqual({
      type: 'token',
      token: 'tok-3',
    });
  });

  it('record copies are reused briefly, and every write through a repository invalidates them', async () => {
    const id = await insert('cache-a');
    expect((await clients.record(id)).name).toBe('cache-a');
    // A change behind Berth's back is seen only after the record TTL...
    await ds.query(`UPDATE clusters SET name = 'cache-b' WHERE id = $1`, [id]);
    expect((await clients.record(id)).name).toBe('cache-a');
    // ...a change through ClustersRepository at once.
    await clusters.update(id, { name: 'cache-c' });
    expect((await clients.record(id)).name).toBe('cache-c');
  });

  it('a new access replaces the pooled client; deleting the record drops it (no caller pairs drop and forget)', async () => {
    const id = await insert('pool-a');
    const first = await clients.client(id);
    expect(await clients.client(id)).toBe(first);
    const size = pool.size;
    await store.replace(id, access('tok-new'), ok);
    const second = await clients.client(id);
    expect(second).not.toBe(first);
    expect(pool.size).toBe(size);
    await clusters.delete(id);
    expect(pool.size).toBe(size - 1);
    await expect(clients.client(id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('the reachable set lists only clusters with an access, and a new record shows in it at once', async () => {
    const provisioning = await insert('reach-provisioning', false);
    const before = (await clients.targets()).map((t) => t.cluster.id);
    expect(before).not.toContain(provisioning);
    const added = await insert('reach-new');
    expect((await clients.targets()).map((t) => t.cluster.id)).toContain(added);
    await expect(clients.targets([provisioning])).rejects.toMatchObject({
      code: ErrorCode.NOT_FOUND,
      details: { missing: [provisioning] },
    });
    // A record without an access has no client: 409, not a crash.
    await expect(clients.client(provisioning)).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
  });

  it('a record whose sealed access cannot be opened fails alone, as unreadable', async () => {
    const id = await insert('unreadable-a');
    const sealedForOther = store.seal(randomUUID(), access()).accessSealed;
    await ds.query(
      'UPDATE clusters SET access_sealed = $2, access_version = access_version + 1 WHERE id = $1',
      [id, sealedForOther],
    );
    store.changed(id);
    await expect(clients.client(id)).rejects.toMatchObject({ code: ErrorCode.SECRET_UNREADABLE });
    const target = (await clients.targets()).find((t) => t.cluster.id === id);
    expect(target?.error?.code).toBe(ErrorCode.SECRET_UNREADABLE);
  });

  describe('verification (one path for import, PATCH and vendor activation)', () => {
    const ref = { id: randomUUID(), name: 'verify-me' };

    it('reads kubeconfig or server + token, refusing what Node cannot send', () => {
      expect(verifier.fromInput({})).toBeUndefined();
      expect(
        verifier.fromInput({ server: 'https://k.example:6443', token: ' abc\n', ca_data: 'AA BB' }),
      ).toEqual({
        server: 'https://k.example:6443',
        auth: { type: 'token', token: 'abc' },
        ca_data: 'AABB',
      });
      expect(() => verifier.fromInput({ server: 'https://k.example:6443', token: 'a\u0000b' })).toThrow(
        expect.objectContaining({ code: ErrorCode.UNPROCESSABLE, details: { field: 'token' } }),
      );
      expect(() => verifier.fromInput({ server: 'https://k.example:6443' })).toThrow(
        expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }),
      );
      expect(() => verifier.fromInput({ kubeconfig: 'x', token: 't' })).toThrow(
        expect.objectContaining({ code: ErrorCode.VALIDATION_FAILED }),
      );
    });

    it('only an admin may turn off TLS verification; refused before any connection', async () => {
      const insecure = { ...access(), insecure_skip_tls_verify: true };
      await expect(
        verifier.verify(
          ref,
          insecure,
          { server: insecure.server, token: 't' },
          { may_skip_tls: false, force: true },
        ),
      ).rejects.toMatchObject({
        code: ErrorCode.FORBIDDEN,
        details: { field: 'insecure_skip_tls_verify', required_role: 'admin' },
      });
    });

    it('a server the outbound policy denies is refused naming the field, even with force', async () => {
      const metadata = {
        server: 'https://169.254.169.254',
        auth: { type: 'token', token: 't' },
      } as ClusterAccess;
      await expect(
        verifier.verify(
          ref,
          metadata,
          { server: metadata.server, token: 't' },
          { may_skip_tls: true, force: true },
        ),
      ).rejects.toMatchObject({
        code: ErrorCode.OUTBOUND_ADDRESS_REFUSED,
        details: { field: 'server' },
      });
    });

    it('an unreachable server is refused unless force, and with force comes back as a failed probe to save as unavailable', async () => {
      await expect(
        verifier.verify(
          ref,
          access(),
          { server: 'https://127.0.0.1:1', token: 't' },
          { may_skip_tls: true, force: false },
        ),
      ).rejects.toMatchObject({
        code: ErrorCode.CLUSTER_UNREACHABLE,
        message: expect.stringContaining('pass force=true'),
      });
      const forced = await verifier.verify(
        ref,
        access(),
        { server: 'https://127.0.0.1:1', token: 't' },
        { may_skip_tls: true, force: true },
      );
      expect(forced.ok).toBe(false);
    });

    it('a vendor kubeconfig must answer now: there is no force', async () => {
      const kubeconfig = [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: u, user: {token: abc}}]',
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
      ].join('\n');
      await expect(
        verifier.verifyVendorKubeconfig({ ...ref, provider: 'ack' }, kubeconfig),
      ).rejects.toMatchObject({
        code: ErrorCode.CLUSTER_UNREACHABLE,
        message: expect.stringContaining('runs at ack, but Berth cannot reach its API server'),
      });
      // An exec kubeconfig is refused like any untrusted one.
      const exec = kubeconfig.replace('{token: abc}', '{exec: {command: /bin/sh}}');
      await expect(verifier.verifyVendorKubeconfig({ ...ref, provider: 'ack' }, exec)).rejects.toMatchObject({
        code: ErrorCode.KUBECONFIG_REFUSED,
      });
    });
  });
});
