import { Injectable } from '@nestjs/common';
import { ClusterClients } from './access/cluster-clients.js';
import { AppError } from '../common/app-error.js';
import { page, type Page } from '../common/envelope.js';
import { ErrorCode } from '../common/error-codes.js';
import type { KubeClient } from './client/kube-client.js';
import type { KubeList } from './kube-list.js';
import { cpuMillicores, memoryBytes } from './quantity.js';

interface Usage {
  cpu: string;
  memory: string;
}
interface MetricsItem {
  metadata: { name: string; namespace?: string };
  timestamp: string;
  window: string;
  usage?: Usage;
  containers?: { name: string; usage: Usage }[];
}

export interface UsageDto {
  cpu: string;
  memory: string;
  cpu_millicores: number;
  memory_bytes: number;
}

export interface ResourceMetricsDto {
  name: string;
  namespace: string | null;
  timestamp: string;
  window: string;
  usage: UsageDto;
  containers?: ({ name: string } & UsageDto)[];
}

const usage = (u: Usage): UsageDto => ({
  cpu: u.cpu,
  memory: u.memory,
  cpu_millicores: cpuMillicores(u.cpu),
  memory_bytes: memoryBytes(u.memory),
});
const sum = (list: UsageDto[]): Usage => ({
  cpu: `${list.reduce((n, u) => n + u.cpu_millicores, 0)}m`,
  memory: `${list.reduce((n, u) => n + u.memory_bytes, 0)}`,
});

/** Node and pod usage from metrics.k8s.io, when the cluster serves it (metrics-server). */
@Injectable()
export class ResourceMetricsService {
  constructor(private readonly clients: ClusterClients) {}

  async nodes(
    clusterId: string,
    q: { page: number; page_size: number; label_selector?: string },
  ): Promise<Page<ResourceMetricsDto>> {
    return this.read(clusterId, '/apis/metrics.k8s.io/v1beta1/nodes', q);
  }

  async pods(
    clusterId: string,
    q: { page: number; page_size: number; namespace?: string; label_selector?: string },
  ): Promise<Page<ResourceMetricsDto>> {
    const ns = q.namespace ? `/namespaces/${encodeURIComponent(q.namespace)}` : '';
    return this.read(clusterId, `/apis/metrics.k8s.io/v1beta1${ns}/pods`, q);
  }

  private async read(
    clusterId: string,
    path: string,
    q: { page: number; page_size: number; label_selector?: string },
  ) {
    const client = await this.clients.client(clusterId);
    await this.assertServed(client);
    let list: KubeList<MetricsItem>;
    try {
      list = await client.json<KubeList<MetricsItem>>('GET', path, {
        query: { labelSelector: q.label_selector },
      });
    } catch (e) {
      if (e instanceof AppError && [404, 503].includes(Number(e.details?.kube_status)))
        throw this.unavailable(client, e.message);
      throw e;
    }
    const items = list.items
      .map((m): ResourceMetricsDto => {
        const containers = m.containers?.map((c) => ({ name: c.name, ...usage(c.usage) }));
        return {
          name: m.metadata.name,
          namespace: m.metadata.namespace ?? null,
          timestamp: m.timestamp,
          window: m.window,
          usage: usage(m.usage ?? sum(containers ?? [])),
          ...(containers ? { containers } : {}),
        };
      })
      .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
    const offset = (q.page - 1) * q.page_size;
    return page(items.slice(offset, offset + q.page_size), items.length, q.page, q.page_size);
  }

  private async assertServed(client: KubeClient): Promise<void> {
    const served = (await client.discovery.resources()).some((r) => r.group === 'metrics.k8s.io');
    if (!served) throw this.unavailable(client, 'its discovery lists no metrics.k8s.io');
  }

  private unavailable(client: KubeClient, why: string): AppError {
    return new AppError(
      ErrorCode.METRICS_UNAVAILABLE,
      `Cluster ${client.cluster.name} does not serve resource metrics (${why}); install metrics-server`,
      { cluster_id: client.cluster.id },
    );
  }
}
