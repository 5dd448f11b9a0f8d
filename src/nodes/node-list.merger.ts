import { Injectable, type StreamableFile } from '@nestjs/common';
import type { AuthUser } from '../auth/role.js';
import type { ListOptions, KubePage } from '../kube/resources.service.js';
import { ResourcesService } from '../kube/resources.service.js';
import type { NodeRecordDto } from './dto/node-pool.dto.js';
import { toNodeRecordDto } from './node-pool.mapper.js';
import { NodePoolsRepository } from './node-pools.repository.js';

/**
 * Kubernetes nodes of a cluster. For vendor clusters each node also carries Berth's record of it as one
 * extra field `berth_node` ({instance_id, pool_id, provider, ip, state} or null); the Kubernetes object is
 * untouched. Clusters without records (imported) stream through as they came.
 */
@Injectable()
export class NodeListMerger {
  constructor(
    private readonly repo: NodePoolsRepository,
    private readonly resources: ResourcesService,
  ) {}

  async list(
    user: AuthUser,
    clusterId: string,
    q: ListOptions,
    signal?: AbortSignal,
  ): Promise<KubePage | StreamableFile> {
    // Imported clusters have no node records: no SQL before their live read.
    if ((await this.resources.cluster(clusterId)).provider === 'imported')
      return this.resources.list(user, clusterId, 'nodes', q, signal);
    const records = await this.repo.listNodes(clusterId);
    if (!records.length) return this.resources.list(user, clusterId, 'nodes', q, signal);
    const byName = new Map<string, NodeRecordDto>(
      records.filter((n) => n.nodeName).map((n) => [n.nodeName!, toNodeRecordDto(n)]),
    );
    const page = await this.resources.listObjects(user, clusterId, 'nodes', q);
    return {
      ...page,
      data: page.data.map((n) => ({ ...n, berth_node: byName.get(n.metadata.name) ?? null })),
    };
  }
}
