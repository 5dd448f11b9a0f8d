import type * as CsSdk from '@alicloud/cs20151215';
import type * as OpenApiCore from '@alicloud/openapi-core';
import { ACK_VERSION } from './ack.cluster-spec.js';
import { lazyModule } from '../../common/lazy-module.js';
import { AppError, type FieldError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import type {
  ChangeState,
  ClusterProvider,
  ClusterProviderFactory,
  ClusterSpec,
  NodePoolSpec,
  PoolPhase,
  ProviderCapabilities,
  VendorCallOptions,
  VendorChange,
  VendorCluster,
  VendorKubeconfig,
  VendorNode,
  VendorNodePool,
  VendorPhase,
} from '../cluster-provider.js';
import { ProviderCaller } from '../vendor-call.js';
import { classifyAckError } from './ack-errors.js';

// The SDK loads on the first ACK call, not at startup.
const $cs = lazyModule<typeof CsSdk.default>('@alicloud/cs20151215');
const openApi = lazyModule<typeof OpenApiCore>('@alicloud/openapi-core');
/** The SDK client (a fake with the same methods can be passed for tests). */
export type AckApi = InstanceType<typeof CsSdk.default.default>;

/** ACK's cluster states (DescribeClusterDetail `state`, as the SDK model documents them) in Berth's words. */
const PHASES: Record<string, VendorPhase> = {
  initial: 'provisioning', // being created
  waiting: 'provisioning', // registered ("accessed"), waiting to be connected
  running: 'running',
  updating: 'updating',
  upgrading: 'updating',
  scaling: 'updating',
  removing: 'updating', // nodes are being removed
  draining: 'updating', // nodes are being drained
  inactive: 'unavailable',
  disconnected: 'unavailable',
  unavailable: 'unavailable',
  failed: 'failed', // creation failed
  delete_failed: 'failed',
  deleting: 'deleting',
  deleted: 'deleting',
};

/** Billing of the nodes Berth creates (required by ACK's scaling_group; ACK's own default). */
export const ACK_INSTANCE_CHARGE_TYPE = 'PostPaid';
/** Pod CIDR sent when the spec names none (ACK needs one for Flannel clusters; the SDK's example block). */
export const ACK_DEFAULT_POD_CIDR = '172.20.0.0/16';

const POOL_PHASES: Record<string, PoolPhase> = {
  initial: 'provisioning',
  active: 'active',
  scaling: 'scaling',
  removing: 'scaling',
  updating: 'updating',
  deleting: 'deleting',
  failed: 'failed',
};

export const ACK_CAPABILITIES: ProviderCapabilities = {
  create: true,
  destroy: true,
  update: ['name', 'deletion_protection'],
  node_pools: { list: true, create: true, resize: true, delete: true, autoscaling: true },
  remove_nodes: true,
};

const VERSION = ACK_VERSION;

/** Alibaba Cloud ACK through the official SDK (@alicloud/cs20151215). Async work is tracked by task id. */
export class AckClusterProvider implements ClusterProvider {
  readonly name = 'ack' as const;
  readonly capabilities = ACK_CAPABILITIES;
  private readonly vendor: ProviderCaller;

  constructor(
    private readonly api: AckApi,
    readonly region: string,
    opts: VendorCallOptions,
  ) {
    this.vendor = new ProviderCaller('ack', opts, classifyAckError);
  }

  validateSpec(spec: ClusterSpec): FieldError[] {
    const problems: FieldError[] = [];
    if (spec.kubernetes_version !== undefined && !VERSION.test(spec.kubernetes_version)) {
      problems.push({
        field: 'spec.kubernetes_version',
        errors: ['ACK versions look like "1.31.1-aliyun.1"'],
      });
    }
    // CreateCluster: "You must provide a VPC when you create a cluster" (vpcid).
    if (!spec.vpc_id) problems.push({ field: 'spec.vpc_id', errors: ['ACK needs the VPC of the cluster'] });
    if (!spec.subnet_ids?.length)
      problems.push({
        field: 'spec.subnet_ids',
        errors: ['ACK needs the vSwitches of the cluster (also the node pools’ default)'],
      });
    for (const [i, p] of (spec.node_pools ?? []).entries()) {
      for (const f of this.validatePool(p, spec))
        problems.push({ ...f, field: `spec.node_pools.${i}.${f.field}` });
    }
    return problems;
  }

  /** scaling_group needs instance_types, vswitch_ids and instance_charge_type (SDK model: required). */
  validatePool(p: NodePoolSpec, cluster: ClusterSpec): FieldError[] {
    const problems: FieldError[] = [];
    if (!p.instance_types?.length)
      problems.push({ field: 'instance_types', errors: ['ACK node pools need instance types'] });
    if (!(p.subnet_ids ?? cluster.subnet_ids)?.length)
      problems.push({
        field: 'subnet_ids',
        errors: ['ACK node pools need vSwitches (here or in the cluster’s spec.subnet_ids)'],
      });
    if (p.autoscaling && p.autoscaling.min_size > p.autoscaling.max_size)
      problems.push({ field: 'autoscaling', errors: ['min_size must not exceed max_size'] });
    return problems;
  }

  async findClusterByName(name: string): Promise<VendorCluster | null> {
    // The name filter matches substrings: page through and compare exactly.
    for (let pageNumber = 1; pageNumber <= 50; pageNumber++) {
      const res = await this.vendor.call(
        'DescribeClustersV1',
        () =>
          this.api.describeClustersV1(new $cs.DescribeClustersV1Request({ name, pageSize: 100, pageNumber })),
        { idempotent: true },
      );
      const clusters = res.body?.clusters ?? [];
      const hit = clusters.find((c) => c.name === name && c.state !== 'deleting' && c.state !== 'deleted');
      if (hit) return this.cluster(hit);
      const total = res.body?.pageInfo?.totalCount ?? 0;
      if (pageNumber * 100 >= total || !clusters.length) return null;
    }
    return null;
  }

  async createCluster(req: {
    name: string;
    region: string;
    spec: ClusterSpec;
  }): Promise<{ id: string; change: VendorChange }> {
    const s = req.spec;
    const request = new $cs.CreateClusterRequest({
      name: req.name,
      regionId: req.region || this.region,
      clusterType: 'ManagedKubernetes',
      clusterSpec: 'ack.pro.small',
      kubernetesVersion: s.kubernetes_version,
      vpcid: s.vpc_id,
      vswitchIds: s.subnet_ids,
      serviceCidr: s.service_cidr,
      containerCidr: s.pod_cidr ?? ACK_DEFAULT_POD_CIDR,
      deletionProtection: s.deletion_protection,
      nodepools: s.node_pools?.map(
        (p) =>
          new $cs.Nodepool({
            nodepoolInfo: new $cs.NodepoolNodepoolInfo({ name: p.name }),
            scalingGroup: new $cs.NodepoolScalingGroup({
              desiredSize: p.desired_size,
              instanceTypes: p.instance_types,
              vswitchIds: p.subnet_ids ?? s.subnet_ids,
              instanceChargeType: ACK_INSTANCE_CHARGE_TYPE,
            }),
          }),
      ),
    });
    // Not idempotent: retried only on throttling; the caller looks the name up before ever creating again.
    const res = await this.vendor.call('CreateCluster', () => this.api.createCluster(request), {
      idempotent: false,
    });
    return { id: res.body!.clusterId!, change: { task: res.body?.taskId ?? null } };
  }

  async getCluster(id: string): Promise<VendorCluster | null> {
    const res = await this.orNull(() =>
      this.vendor.call('DescribeClusterDetail', () => this.api.describeClusterDetail(id), {
        idempotent: true,
      }),
    );
    return res?.body ? this.cluster(res.body) : null;
  }

  async updateCluster(
    id: string,
    change: { name?: string; deletion_protection?: boolean },
  ): Promise<VendorChange | null> {
    if (change.name === undefined && change.deletion_protection === undefined) return null;
    const res = await this.vendor.call(
      'ModifyCluster',
      () =>
        this.api.modifyCluster(
          id,
          new $cs.ModifyClusterRequest({
            clusterName: change.name,
            deletionProtection: change.deletion_protection,
          }),
        ),
      { idempotent: true },
    );
    return { task: res.body?.taskId ?? null };
  }

  async deleteCluster(id: string): Promise<VendorChange> {
    const res = await this.orNull(() =>
      this.vendor.call(
        'DeleteCluster',
        () => this.api.deleteCluster(id, new $cs.DeleteClusterRequest({ retainAllResources: false })),
        { idempotent: true },
      ),
    );
    // Already gone: nothing to wait for.
    return { task: res?.body?.taskId ?? null, cluster_id: id };
  }

  async checkChange(change: VendorChange): Promise<ChangeState> {
    const task = change.task;
    if (typeof task !== 'string' || !task) return { state: 'succeeded' };
    const res = await this.vendor.call('DescribeTaskInfo', () => this.api.describeTaskInfo(task), {
      idempotent: true,
    });
    const state = res.body?.state;
    if (state === 'success') return { state: 'succeeded' };
    if (state === 'fail' || state === 'failed') {
      const err = res.body?.error;
      return { state: 'failed', message: err?.message || `ACK task ${task} failed`, vendor_code: err?.code };
    }
    return { state: 'running', message: res.body?.currentStage };
  }

  async kubeconfig(id: string): Promise<string> {
    return (await this.kubeconfigWithExpiry(id)).config;
  }

  /** DescribeClusterUserKubeconfig answers the credential's `expiration` (UTC, RFC 3339) beside it. */
  async kubeconfigWithExpiry(id: string): Promise<VendorKubeconfig> {
    const res = await this.vendor.call(
      'DescribeClusterUserKubeconfig',
      () =>
        this.api.describeClusterUserKubeconfig(
          id,
          new $cs.DescribeClusterUserKubeconfigRequest({ privateIpAddress: false }),
        ),
      { idempotent: true },
    );
    const expires = res.body?.expiration ? new Date(res.body.expiration) : null;
    return {
      config: res.body?.config ?? '',
      expires_at: expires && !Number.isNaN(expires.getTime()) ? expires : null,
    };
  }

  async listNodePools(clusterId: string): Promise<VendorNodePool[]> {
    const res = await this.vendor.call(
      'DescribeClusterNodePools',
      () => this.api.describeClusterNodePools(clusterId, new $cs.DescribeClusterNodePoolsRequest({})),
      { idempotent: true },
    );
    return (res.body?.nodepools ?? []).map((p) => ({
      id: p.nodepoolInfo?.nodepoolId ?? '',
      name: p.nodepoolInfo?.name ?? '',
      phase: POOL_PHASES[p.status?.state ?? ''] ?? 'updating',
      vendor_state: p.status?.state ?? 'unknown',
      desired_size: p.scalingGroup?.desiredSize ?? 0,
      total_nodes: p.status?.totalNodes ?? 0,
      ready_nodes: p.status?.healthyNodes ?? 0,
      instance_types: p.scalingGroup?.instanceTypes ?? [],
      autoscaling: p.autoScaling
        ? {
            enabled: p.autoScaling.enable ?? false,
            min_size: p.autoScaling.minInstances ?? 0,
            max_size: p.autoScaling.maxInstances ?? 0,
          }
        : null,
    }));
  }

  async createNodePool(clusterId: string, pool: NodePoolSpec): Promise<{ id: string; change: VendorChange }> {
    const request = new $cs.CreateClusterNodePoolRequest({
      nodepoolInfo: new $cs.CreateClusterNodePoolRequestNodepoolInfo({ name: pool.name }),
      scalingGroup: new $cs.CreateClusterNodePoolRequestScalingGroup({
        desiredSize: pool.desired_size,
        instanceTypes: pool.instance_types,
        vswitchIds: pool.subnet_ids,
        instanceChargeType: ACK_INSTANCE_CHARGE_TYPE,
      }),
      autoScaling: pool.autoscaling
        ? new $cs.CreateClusterNodePoolRequestAutoScaling({
            enable: pool.autoscaling.enabled,
            minInstances: pool.autoscaling.min_size,
            maxInstances: pool.autoscaling.max_size,
          })
        : undefined,
    });
    const res = await this.vendor.call(
      'CreateClusterNodePool',
      () => this.api.createClusterNodePool(clusterId, request),
      { idempotent: false },
    );
    return { id: res.body!.nodepoolId!, change: { task: res.body?.taskId ?? null } };
  }

  async resizeNodePool(
    clusterId: string,
    poolId: string,
    size: { desired_size?: number; autoscaling?: { enabled: boolean; min_size: number; max_size: number } },
  ): Promise<VendorChange> {
    // ModifyClusterNodePool takes the absolute size (ScaleClusterNodePool adds nodes): safe to repeat.
    const request = new $cs.ModifyClusterNodePoolRequest({
      scalingGroup:
        size.desired_size !== undefined
          ? new $cs.ModifyClusterNodePoolRequestScalingGroup({ desiredSize: size.desired_size })
          : undefined,
      autoScaling: size.autoscaling
        ? new $cs.ModifyClusterNodePoolRequestAutoScaling({
            enable: size.autoscaling.enabled,
            minInstances: size.autoscaling.min_size,
            maxInstances: size.autoscaling.max_size,
          })
        : undefined,
    });
    const res = await this.vendor.call(
      'ModifyClusterNodePool',
      () => this.api.modifyClusterNodePool(clusterId, poolId, request),
      { idempotent: true },
    );
    return { task: res.body?.taskId ?? null };
  }

  async deleteNodePool(clusterId: string, poolId: string): Promise<VendorChange> {
    const res = await this.orNull(() =>
      this.vendor.call(
        'DeleteClusterNodepool',
        () =>
          this.api.deleteClusterNodepool(
            clusterId,
            poolId,
            new $cs.DeleteClusterNodepoolRequest({ force: true }),
          ),
        { idempotent: true },
      ),
    );
    return { task: res?.body?.taskId ?? null };
  }

  async listNodes(clusterId: string, poolId?: string): Promise<VendorNode[]> {
    const out: VendorNode[] = [];
    for (let pageNumber = 1; pageNumber <= 100; pageNumber++) {
      const res = await this.vendor.call(
        'DescribeClusterNodes',
        () =>
          this.api.describeClusterNodes(
            clusterId,
            new $cs.DescribeClusterNodesRequest({
              nodepoolId: poolId,
              pageSize: '100',
              pageNumber: String(pageNumber),
            }),
          ),
        { idempotent: true },
      );
      const nodes = res.body?.nodes ?? [];
      for (const n of nodes) {
        out.push({
          instance_id: n.instanceId ?? '',
          node_name: n.nodeName ?? '',
          pool_id: n.nodepoolId ?? null,
          state: n.state ?? 'unknown',
          ip: n.ipAddress?.[0] ?? null,
        });
      }
      if (pageNumber * 100 >= (res.body?.page?.totalCount ?? 0) || !nodes.length) break;
    }
    return out;
  }

  async removeNodes(clusterId: string, poolId: string, instanceIds: string[]): Promise<VendorChange> {
    // Berth cordons and drains through Kubernetes first; the vendor only releases the instances.
    const request = new $cs.RemoveNodePoolNodesRequest({ instanceIds, releaseNode: true, drainNode: false });
    const res = await this.vendor.call(
      'RemoveNodePoolNodes',
      () => this.api.removeNodePoolNodes(clusterId, poolId, request),
      { idempotent: false },
    );
    return { task: res.body?.taskId ?? null };
  }

  private cluster(c: {
    clusterId?: string;
    name?: string;
    state?: string;
    currentVersion?: string;
  }): VendorCluster {
    const state = c.state ?? 'unknown';
    return {
      id: c.clusterId ?? '',
      name: c.name ?? '',
      phase: PHASES[state] ?? 'updating',
      vendor_state: state,
      version: c.currentVersion ?? null,
      message: null,
    };
  }

  private async orNull<T>(fn: () => Promise<T>): Promise<T | null> {
    try {
      return await fn();
    } catch (e) {
      if ((e as { code?: number }).code === 40400) return null;
      throw e;
    }
  }
}

/**
 * The ACK SDK (darabonba/httpx) takes no agent or lookup hook, so a credential's endpoint override is
 * resolved and checked against the outbound policy right before every call instead. (This leaves the
 * few milliseconds between Berth's lookup and the SDK's own as a DNS-rebinding window; endpoints are set
 * by admins only. Cluster API servers, Rancher, Harbor and TKE are checked on the connection itself.)
 */
function guardEndpoint<T extends object>(api: T, host: string, policy: OutboundPolicy): T {
  return new Proxy(api, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const refused = await policy.check(host);
        if (refused) {
          throw new AppError(ErrorCode.VENDOR_UNAVAILABLE, `ack endpoint refused: ${refused.message}`, {
            vendor: 'ack',
            field: 'settings.endpoint',
            reason: refused.reason,
          });
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Builds the real SDK client from a revealed ACK credential (settings.endpoint overrides the public endpoint). */
export const ackProviderFactory: ClusterProviderFactory = (credential, opts) => {
  const region = String(credential.settings.region_id ?? '');
  const endpoint =
    typeof credential.settings.endpoint === 'string' ? new URL(credential.settings.endpoint) : null;
  const api = new $cs.default(
    new openApi.$OpenApiUtil.Config({
      accessKeyId: credential.secrets.access_key_id,
      accessKeySecret: credential.secrets.access_key_secret,
      regionId: region,
      endpoint: endpoint ? endpoint.host : `cs.${region}.aliyuncs.com`,
      protocol: endpoint?.protocol === 'http:' ? 'HTTP' : 'HTTPS',
      readTimeout: opts.timeoutMs,
      connectTimeout: Math.min(opts.timeoutMs, 5000),
    }),
  );
  const guarded = endpoint
    ? guardEndpoint(api, endpoint.hostname, opts.outbound ?? OutboundPolicy.unconfigured())
    : api;
  return new AckClusterProvider(guarded, region, opts);
};
