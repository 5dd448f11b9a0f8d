import type { NodePoolDto, NodeRecordDto } from './dto/node-pool.dto.js';
import type { NodePoolEntity } from './node-pool.entity.js';
import type { NodeEntity } from './node.entity.js';

/** `stale`: the vendor did not answer this read in time; the record is as of `synced_at`. */
export function toNodePoolDto(p: NodePoolEntity, stale = false): NodePoolDto {
  return {
    id: p.id,
    cluster_id: p.clusterId,
    provider: p.provider,
    vendor_pool_id: p.vendorPoolId,
    name: p.name,
    status: p.status,
    desired_size: p.desiredSize,
    total_nodes: p.totalNodes,
    ready_nodes: p.readyNodes,
    instance_types: p.instanceTypes,
    autoscaling: p.autoscaling,
    last_error: p.lastError,
    synced_at: p.syncedAt?.toISOString() ?? null,
    stale,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

export function toNodeRecordDto(n: NodeEntity): NodeRecordDto {
  return {
    instance_id: n.instanceId,
    node_name: n.nodeName,
    pool_id: n.poolId,
    provider: n.provider,
    ip: n.ip,
    state: n.state,
  };
}
