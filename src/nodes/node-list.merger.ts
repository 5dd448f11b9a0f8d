import { Injectable, StreamableFile } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { NodeRecordDto } from './dto/node-pool.dto.js';
import { NodePoolsRepository } from './node-pools.repository.js';
import { toNodeRecordDto } from './node-pool.mapper.js';

interface NodeItem {
  metadata?: { name?: string };
  [k: string]: unknown;
}

/**
 * Adds Berth's vendor record to each Kubernetes node of a vendor cluster, as one extra field
 * `berth_node` ({instance_id, pool_id, provider, ip, state} or null) — the Kubernetes object is untouched.
 * Clusters without records (imported) pass through as they came (streamed).
 */
@Injectable()
export class NodeListMerger {
  constructor(private readonly repo: NodePoolsRepository) {}

  async merge<T>(clusterId: string, result: T): Promise<T | Record<string, unknown>> {
    const records = await this.repo.listNodes(clusterId);
    if (!records.length) return result;
    const byName = new Map<string, NodeRecordDto>(records.filter((n) => n.nodeName).map((n) => [n.nodeName!, toNodeRecordDto(n)]));
    let page: { data: NodeItem[]; [k: string]: unknown };
    if (result instanceof StreamableFile) {
      const chunks: Buffer[] = [];
      for await (const chunk of result.getStream() as Readable) chunks.push(Buffer.from(chunk as Buffer));
      page = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: typeof page }).data;
    } else {
      page = result as unknown as typeof page;
    }
    return { ...page, data: page.data.map((n) => ({ ...n, berth_node: byName.get(n.metadata?.name ?? '') ?? null })) };
  }
}
