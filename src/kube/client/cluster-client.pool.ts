import { Inject, Injectable, type OnApplicationShutdown, Optional } from '@nestjs/common';
import { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import type { ClusterAccess } from './cluster-access.js';
import { ClusterCallMeter } from './kube-call-meter.js';
import { type ClusterRef, KubeClient } from './kube-client.js';

interface Entry {
  version: string;
  client: Promise<KubeClient>;
}

/**
 * One KubeClient (and so one keep-alive connection pool) per cluster, rebuilt when the cluster's access
 * changes (its version is the record's access_version) and dropped when the record goes or its access is
 * replaced (ClusterAccessStore does both; nothing else calls `drop`).
 */
@Injectable()
export class ClusterClientPool implements OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  /** Which addresses cluster API servers may have (checked on every new connection). */
  readonly policy: OutboundPolicy;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() private readonly metrics?: MetricsService,
  ) {
    this.policy = new OutboundPolicy(config.outbound);
  }

  /** The cached client for this version of the cluster, or a new one built from `access()`. */
  get(cluster: ClusterRef, version: string, access: () => ClusterAccess): Promise<KubeClient> {
    const entry = this.entries.get(cluster.id);
    if (entry?.version === version) return entry.client;
    if (entry)
      void entry.client.then(
        (c) => c.close(),
        () => undefined,
      );
    const client = KubeClient.create(
      cluster,
      access(),
      this.config.kube.timeout_ms,
      this.policy,
      this.meter(cluster.id),
    );
    this.entries.set(cluster.id, { version, client });
    client.catch(() => this.entries.get(cluster.id)?.client === client && this.entries.delete(cluster.id));
    return client;
  }

  /** A client not kept in the pool (probing a credential before it is saved). Close it after use. */
  transient(cluster: ClusterRef, access: ClusterAccess): Promise<KubeClient> {
    return KubeClient.create(
      cluster,
      access,
      this.config.kube.timeout_ms,
      this.policy,
      this.meter(cluster.id),
    );
  }

  /** The cluster's request metrics (series are dropped at scrape time once its record is gone). */
  private meter(clusterId: string): ClusterCallMeter | undefined {
    return (
      this.metrics && new ClusterCallMeter(this.metrics.kubeRequests, this.metrics.kubeDuration, clusterId)
    );
  }

  drop(clusterId: string): void {
    const entry = this.entries.get(clusterId);
    this.entries.delete(clusterId);
    if (entry)
      void entry.client.then(
        (c) => c.close(),
        () => undefined,
      );
  }

  /** The connection pool of a cluster's cached client (busy/free sockets, queued calls); undefined without one. */
  async sockets(clusterId: string): Promise<{ busy: number; free: number; queued: number } | undefined> {
    const entry = this.entries.get(clusterId);
    if (!entry) return undefined;
    try {
      return (await entry.client).sockets();
    } catch {
      return undefined;
    }
  }

  /** TLS connections carrying the HTTP/2 streams (watches, logs -f) of a cluster's cached client; undefined without one. */
  async h2Connections(clusterId: string): Promise<number | undefined> {
    const entry = this.entries.get(clusterId);
    if (!entry) return undefined;
    try {
      return (await entry.client).h2Connections;
    } catch {
      return undefined;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  onApplicationShutdown(): void {
    for (const id of [...this.entries.keys()]) this.drop(id);
  }
}
