import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { ClusterClientPool } from '../client/cluster-client.pool.js';
import type { KubeClient } from '../client/kube-client.js';
import { ClusterAccessStore } from './cluster-access.store.js';
import type { ClusterRecord, ClusterTarget } from './cluster-record.js';
import { CredentialRenewal } from './credential-renewal.js';
import { KubeApi } from './kube-api.js';

/** "A working client for cluster X": the pooled client of a cluster's stored access, for every live read and write. */
@Injectable()
export class ClusterClients {
  constructor(
    private readonly store: ClusterAccessStore,
    private readonly pool: ClusterClientPool,
    private readonly renewal: CredentialRenewal,
  ) {}

  /** The record of a cluster (404 when there is none), as live reads see it. */
  record(id: string): Promise<ClusterRecord> {
    return this.store.record(id);
  }

  /** The pooled client of a cluster: 404 without a record, 409 without an access yet. */
  async client(id: string): Promise<KubeClient> {
    const target = await this.target(await this.store.record(id));
    if (target.error) throw target.error;
    return target.client!;
  }

  /** The typed facade over a cluster's pooled client. */
  async api(id: string): Promise<KubeApi> {
    return new KubeApi(await this.client(id));
  }

  /** Clients for fan-out: every reachable cluster, or the given ids (unknown ids are a 404). */
  async targets(ids?: string[]): Promise<ClusterTarget[]> {
    return Promise.all((await this.records(ids)).map((c) => this.target(c)));
  }

  /** The records of the given clusters (unknown ids are a 404), or of every reachable one. */
  async records(ids?: string[]): Promise<ClusterRecord[]> {
    const all = await this.store.reachableRecords();
    const clusters = ids?.length ? all.filter((c) => ids.includes(c.id)) : all;
    if (ids?.length) {
      const missing = ids.filter((id) => !clusters.some((c) => c.id === id));
      if (missing.length)
        throw new AppError(
          ErrorCode.NOT_FOUND,
          `clusters not found or not reachable: ${missing.join(', ')}`,
          { missing },
        );
    }
    return clusters;
  }

  /** The client of one record, or why it has none (no access yet, an unreadable or unusable credential). */
  async target(cluster: ClusterRecord): Promise<ClusterTarget> {
    if (!cluster.accessSealed) {
      return {
        cluster,
        error: new AppError(
          ErrorCode.CONFLICT,
          `Cluster ${cluster.name} has no API access yet (status ${cluster.status})`,
        ),
      };
    }
    try {
      const sealed = cluster.accessSealed;
      const client = await this.pool.get(
        { id: cluster.id, name: cluster.name },
        String(cluster.accessVersion),
        () => this.store.open({ id: cluster.id, accessSealed: sealed }),
      );
      // A 401 from the cluster: a vendor cluster's credential is fetched anew, and the call is sent again with it.
      client.renewWith(async () => {
        if (!(await this.renewal.renew(cluster.id))) return null;
        this.store.changed(cluster.id);
        const fresh = await this.target(await this.store.record(cluster.id));
        return fresh.client ?? null;
      });
      return { cluster, client };
    } catch (e) {
      const error =
        e instanceof AppError
          ? e
          : new AppError(ErrorCode.CLUSTER_UNREACHABLE, `Cluster ${cluster.name}: ${(e as Error).message}`);
      return { cluster, error };
    }
  }
}
