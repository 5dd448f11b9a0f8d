import { Injectable, type OnModuleInit } from '@nestjs/common';
import { AccessService, type NamespaceLabelSource } from '../access/access.service.js';
import { ClusterClients } from './access/cluster-clients.js';
import { itemsOf, type KubeList, METADATA_ONLY } from './kube-list.js';

/** Namespace labels read live from a cluster, for grants with a namespace label selector. */
@Injectable()
export class NamespaceLabels implements NamespaceLabelSource, OnModuleInit {
  constructor(
    private readonly clients: ClusterClients,
    private readonly access: AccessService,
  ) {}

  onModuleInit(): void {
    this.access.useNamespaceLabels(this);
  }

  async labelsOf(clusterId: string, namespace: string): Promise<Record<string, string> | null> {
    const client = await this.clients.client(clusterId);
    const res = await client.request('GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`);
    if (res.status === 404) return null;
    if (res.status >= 400) throw client.statusError(res);
    const ns = JSON.parse(res.body.toString('utf8')) as { metadata?: { labels?: Record<string, string> } };
    return ns.metadata?.labels ?? {};
  }

  async namesMatching(clusterId: string, selector: string): Promise<string[]> {
    const client = await this.clients.client(clusterId);
    const list = await client.json<KubeList>('GET', '/api/v1/namespaces', {
      accept: METADATA_ONLY,
      query: { labelSelector: selector },
    });
    return itemsOf(list).map((n) => n.metadata.name);
  }
}
