import type { ClusterEntity } from './cluster.entity.js';
import { ClusterStatus } from './cluster.entity.js';
import type { ClusterDto, ShownStatus } from './dto/cluster.dto.js';

/** A probed status older than the stale window reads "stale": the API never shows an old "active" as current. */
export function shownStatus(c: ClusterEntity, staleAfterSeconds: number, now = Date.now()): ShownStatus {
  const probed = c.status === ClusterStatus.ACTIVE || c.status === ClusterStatus.UNAVAILABLE;
  if (probed && (!c.lastProbedAt || now - c.lastProbedAt.getTime() > staleAfterSeconds * 1000))
    return 'stale';
  return c.status;
}

/** The only way a cluster leaves the building: its access (credential) never does. */
export function toClusterDto(c: ClusterEntity, staleAfterSeconds: number): ClusterDto {
  return {
    id: c.id,
    name: c.name,
    display_name: c.displayName,
    description: c.description,
    provider: c.provider,
    status: shownStatus(c, staleAfterSeconds),
    labels: c.labels,
    city: c.city,
    district: c.district,
    server: c.server,
    auth_type: c.authType,
    version: c.version,
    node_count: c.nodeCount,
    ready_node_count: c.readyNodeCount,
    latency_ms: c.latencyMs,
    last_probed_at: c.lastProbedAt?.toISOString() ?? null,
    last_error: c.lastError,
    credential_expires_at: c.credentialExpiresAt?.toISOString() ?? null,
    credential_id: c.credentialId,
    region: c.region,
    vendor_cluster_id: c.vendorClusterId,
    created_by: c.createdBy,
    created_at: c.createdAt.toISOString(),
    updated_at: c.updatedAt.toISOString(),
  };
}
