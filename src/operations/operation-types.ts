/** Every kind of long-running operation. Each must have exactly one handler (checked at boot). */
export enum OperationType {
  SECRETS_REENCRYPT = 'secrets.reencrypt',
  CLUSTER_CREATE = 'clusters.create',
  CLUSTER_UPDATE = 'clusters.update',
  CLUSTER_DESTROY = 'clusters.destroy',
  NODE_POOL_CREATE = 'node-pools.create',
  NODE_POOL_RESIZE = 'node-pools.resize',
  NODE_POOL_DELETE = 'node-pools.delete',
  NODE_REMOVE = 'nodes.remove',
}

export enum OperationStatus {
  QUEUED = 'queued',
  RUNNING = 'running',
  SUCCEEDED = 'succeeded',
  FAILED = 'failed',
}

export const ACTIVE_STATUSES = [OperationStatus.QUEUED, OperationStatus.RUNNING];
