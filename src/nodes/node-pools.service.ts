import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { page, type Page } from '../common/envelope.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { type ClusterEntity, ClusterProvider, ClusterStatus } from '../clusters/cluster.entity.js';
import { ClustersService } from '../clusters/clusters.service.js';
import type { OperationDto } from '../operations/dto/operation.dto.js';
import { OperationType } from '../operations/operation-types.js';
import { operationInProgress, OperationsService } from '../operations/operations.service.js';
import { ClusterProviderLookup } from '../providers/cluster-provider-lookup.js';
import type {
  ClusterSpec,
  NodePoolSpec,
  ClusterProvider as VendorProvider,
} from '../providers/cluster-provider.js';
import type { CreateNodePoolDto, NodePoolDto, UpdateNodePoolDto } from './dto/node-pool.dto.js';
import { toNodePoolDto } from './node-pool.mapper.js';
import { NodePoolsRepository } from './node-pools.repository.js';

/** Node pools and vendor nodes of vendor clusters: reads refresh the records from the vendor; changes are operations. */
@Injectable()
export class NodePoolsService {
  private readonly logger = new Logger(NodePoolsService.name);

  constructor(
    private readonly repo: NodePoolsRepository,
    private readonly clusters: ClustersService,
    private readonly providers: ClusterProviderLookup,
    private readonly operations: OperationsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Asks the vendor for pools and nodes and writes them to the records (the vendor is the truth for sizes). */
  async refresh(c: ClusterEntity, provider?: VendorProvider): Promise<void> {
    const p = provider ?? (await this.providers.providerOf(c));
    const [pools, nodes] = await Promise.all([
      p.listNodePools(c.vendorClusterId!),
      p.listNodes(c.vendorClusterId!),
    ]);
    await this.repo.sync(c.id, c.provider, pools, nodes);
  }

  /**
   * The pools as the vendor reports them now; when the vendor is slow (no answer within
   * `vendors.read_timeout_ms`) or down, the stored records, marked `stale` (their `synced_at` says when the
   * vendor last reported them). A refresh that outlives the wait still updates the records when it ends.
   */
  async list(clusterId: string): Promise<Page<NodePoolDto>> {
    const c = await this.vendorCluster(clusterId);
    const refreshing = this.refresh(c).then(
      () => null,
      (e: unknown) => e,
    );
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<'slow'>(
      (r) => (timer = setTimeout(() => r('slow'), this.config.vendors.read_timeout_ms)),
    );
    const outcome = await Promise.race([refreshing, slow]).finally(() => clearTimeout(timer));
    const pools = await this.repo.listPools(clusterId);
    if (outcome !== null) {
      if (outcome !== 'slow' && !vendorDown(outcome)) throw outcome;
      if (!pools.length && outcome !== 'slow') throw outcome;
      this.logger.warn(
        `cluster ${c.name}: node pools answered from stored records (${outcome === 'slow' ? `${c.provider} slower than ${this.config.vendors.read_timeout_ms} ms` : (outcome as Error).message})`,
      );
      void refreshing.then(
        (e) => e && this.logger.warn(`cluster ${c.name}: node-pool refresh failed: ${(e as Error).message}`),
      );
    }
    const stale = outcome !== null;
    return page(
      pools.map((p) => toNodePoolDto(p, stale)),
      pools.length,
      1,
      Math.max(pools.length, 1),
    );
  }

  async create(
    clusterId: string,
    dto: CreateNodePoolDto,
    actorId: string,
    key?: string,
  ): Promise<OperationDto> {
    const c = await this.vendorCluster(clusterId, 'create');
    // The vendor's required pool fields, checked here (400 naming the field); subnets default to the cluster's.
    const clusterSpec = (c.vendorSpec ?? {}) as ClusterSpec;
    const spec: NodePoolSpec = JSON.parse(JSON.stringify(dto));
    spec.subnet_ids ??= clusterSpec.subnet_ids;
    const provider = await this.providers.providerOf(c);
    const problems = provider.validatePool?.(spec, clusterSpec) ?? [];
    if (problems.length) throw AppError.validation(problems);
    const id = key ? keyedId(actorId, clusterId, key) : randomUUID();
    if (!(await this.repo.findPool(clusterId, id))) {
      if (await this.repo.findPoolByName(clusterId, dto.name))
        throw AppError.conflict(`cluster ${c.name} already has a node pool named ${dto.name}`);
      await this.repo.insertPool({
        id,
        clusterId,
        provider: c.provider,
        name: dto.name,
        status: 'provisioning',
        desiredSize: dto.desired_size,
        instanceTypes: dto.instance_types ?? [],
        autoscaling: dto.autoscaling ?? null,
      });
    }
    return this.start(OperationType.NODE_POOL_CREATE, c, { pool_id: id, spec }, actorId, key);
  }

  async resize(
    clusterId: string,
    poolId: string,
    dto: UpdateNodePoolDto,
    actorId: string,
    key?: string,
  ): Promise<OperationDto> {
    const c = await this.vendorCluster(clusterId, 'resize');
    const pool = await this.mustFindPool(clusterId, poolId);
    if (dto.desired_size === undefined && !dto.autoscaling)
      throw AppError.validation([
        { field: 'desired_size', errors: ['give desired_size and/or autoscaling'] },
      ]);
    if (dto.autoscaling && !this.providers.capabilitiesOf(c).node_pools.autoscaling) {
      throw new AppError(
        ErrorCode.UNPROCESSABLE,
        `Berth cannot change autoscaling of ${c.provider} node pools; set desired_size instead`,
        { provider: c.provider, field: 'autoscaling' },
      );
    }
    if (dto.autoscaling && dto.autoscaling.min_size > dto.autoscaling.max_size)
      throw AppError.validation([{ field: 'autoscaling', errors: ['min_size must not exceed max_size'] }]);
    if (!pool.vendorPoolId) throw AppError.conflict(`node pool ${pool.name} is still being created`);
    const busy = await this.poolBusy(c, poolId, key);
    if (busy) return busy;
    return this.start(
      OperationType.NODE_POOL_RESIZE,
      c,
      {
        pool_id: poolId,
        desired_size: dto.desired_size ?? null,
        autoscaling: dto.autoscaling ? { ...dto.autoscaling } : null,
      },
      actorId,
      key,
    );
  }

  async remove(clusterId: string, poolId: string, actorId: string, key?: string): Promise<OperationDto> {
    const c = await this.vendorCluster(clusterId, 'delete');
    const pool = await this.mustFindPool(clusterId, poolId);
    const busy = await this.poolBusy(c, poolId, key);
    if (busy) return busy;
    await this.repo.updatePool(pool.id, { status: 'deleting' });
    return this.start(OperationType.NODE_POOL_DELETE, c, { pool_id: poolId }, actorId, key);
  }

  /** Cordon and drain through Kubernetes, then release the instance at the vendor (an operation). */
  async removeNode(
    clusterId: string,
    nodeName: string,
    actorId: string,
    key?: string,
  ): Promise<OperationDto> {
    const c = await this.vendorCluster(clusterId, 'remove_nodes');
    let node = await this.repo.findNodeByName(clusterId, nodeName);
    if (!node) {
      await this.refresh(c);
      node = await this.repo.findNodeByName(clusterId, nodeName);
    }
    if (!node) throw AppError.notFound('node', nodeName);
    if (!node.poolId)
      throw new AppError(
        ErrorCode.UNPROCESSABLE,
        `node ${nodeName} is in no node pool Berth knows; ${c.provider} removes pool nodes only`,
      );
    const busy = await this.poolBusy(c, node.poolId, key);
    if (busy) return busy;
    return this.start(
      OperationType.NODE_REMOVE,
      c,
      { node_name: nodeName, instance_id: node.instanceId, pool_id: node.poolId },
      actorId,
      key,
    );
  }

  /**
   * One operation at a time per node pool: the 409 names the unfinished one (a retry of the same request
   * with its Idempotency-Key gets that operation back instead).
   */
  private async poolBusy(c: ClusterEntity, poolId: string, key?: string): Promise<OperationDto | null> {
    const busy = await this.operations.findActive('clusters', c.id, { pool_id: poolId });
    if (!busy) return null;
    if (key && busy.idempotency_key === key) return busy;
    const pool = await this.repo.findPool(c.id, poolId);
    throw operationInProgress(`node pool ${pool?.name ?? poolId}`, busy);
  }

  async mustFindPool(clusterId: string, poolId: string) {
    const p = await this.repo.findPool(clusterId, poolId);
    if (!p) throw AppError.notFound('node pool', poolId);
    return p;
  }

  /** Starts a pool's operation; `payload.pool_id` names the pool, which has one operation at a time. */
  private async start(
    type: OperationType,
    c: ClusterEntity,
    payload: Record<string, unknown> & { pool_id: string },
    actorId: string,
    key?: string,
  ): Promise<OperationDto> {
    const pool = await this.repo.findPool(c.id, payload.pool_id);
    return this.operations.start({
      type,
      targetType: 'clusters',
      targetId: c.id,
      payload: { cluster_id: c.id, ...payload },
      actorId,
      idempotencyKey: key,
      exclusive: {
        subject: `node pool ${pool?.name ?? payload.pool_id}`,
        payload: { pool_id: payload.pool_id },
      },
    });
  }

  private async vendorCluster(
    id: string,
    need?: 'create' | 'resize' | 'delete' | 'remove_nodes',
  ): Promise<ClusterEntity> {
    const c = await this.clusters.record(id);
    if (c.provider === ClusterProvider.IMPORTED)
      throw new AppError(
        ErrorCode.UNPROCESSABLE,
        `Cluster ${c.name} is imported: its node pools are not managed by Berth`,
      );
    const caps = this.providers.capabilitiesOf(c);
    if (
      need === 'remove_nodes' ? !caps.remove_nodes : need ? !caps.node_pools[need] : !caps.node_pools.list
    ) {
      throw new AppError(
        ErrorCode.UNPROCESSABLE,
        `Berth cannot ${CAPABILITY_WORDS[need ?? 'list']} of ${c.provider} clusters`,
        { provider: c.provider },
      );
    }
    if (
      !c.vendorClusterId ||
      (need && c.status !== ClusterStatus.ACTIVE && c.status !== ClusterStatus.UNAVAILABLE)
    ) {
      throw AppError.conflict(`cluster ${c.name} is ${c.status}`, { status: c.status });
    }
    return c;
  }
}

/** What a refused capability would have done, in the user's words. */
const CAPABILITY_WORDS: Record<'list' | 'create' | 'resize' | 'delete' | 'remove_nodes', string> = {
  list: 'list the node pools',
  create: 'create node pools',
  resize: 'resize the node pools',
  delete: 'delete the node pools',
  remove_nodes: 'remove single nodes (resize their node pool instead)',
};

/** A vendor that is down or overloaded (not one that refused the request): stored records may answer instead. */
function vendorDown(e: unknown): boolean {
  if (!(e instanceof AppError)) return false;
  if (e.code === ErrorCode.VENDOR_UNAVAILABLE || e.code === ErrorCode.UPSTREAM_TIMEOUT) return true;
  return e.code === ErrorCode.VENDOR_API_ERROR && Number(e.details?.vendor_status) >= 500;
}

function keyedId(actorId: string, clusterId: string, key: string): string {
  const h = createHash('sha256').update(`berth:node-pool:${actorId}:${clusterId}:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
