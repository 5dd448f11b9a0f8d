import type * as TkeSdk from 'tencentcloud-sdk-nodejs-tke';
import { lazyModule } from '../../common/lazy-module.js';
import { TKE_VERSION } from './tke.cluster-spec.js';
import type { FieldError } from '../../common/app-error.js';
import { GuardedHttpAgent, GuardedHttpsAgent } from '../../common/outbound/guarded-agent.js';
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
  VendorNode,
  VendorNodePool,
  VendorPhase,
} from '../cluster-provider.js';
import { ProviderCaller } from '../vendor-call.js';
import { classifyTkeError } from './tke-errors.js';

// The SDK loads on the first TKE call, not at startup.
const sdk = lazyModule<typeof TkeSdk>('tencentcloud-sdk-nodejs-tke');
/** The SDK client (a fake with the same methods can be passed for tests). */
export type TkeApi = InstanceType<typeof TkeSdk.tke.v20180525.Client>;
type AdvancedSettings = Parameters<TkeApi['CreateClusterNodePool']>[0]['InstanceAdvancedSettings'];

/**
 * TKE's cluster states in Berth's words: every state the SDK documents for DescribeClusters
 * `ClusterStatus` and DescribeClusterStatus `ClusterState` (tencentcloud-sdk-nodejs-tke 4.1.314).
 */
export const TKE_PHASES: Record<string, VendorPhase> = {
  Trading: 'provisioning', // being paid for
  Creating: 'provisioning',
  WaittingForConnect: 'provisioning', // (sic) registered cluster waiting for its agent
  Running: 'running',
  Scaling: 'updating',
  Upgrading: 'updating',
  MasterScaling: 'updating',
  NodeUpgrading: 'updating',
  RuntimeUpgrading: 'updating',
  ClusterLevelUpgrading: 'updating',
  ClusterLevelTrading: 'updating',
  Recovering: 'updating', // waking up from Idling
  Pause: 'updating', // an upgrade paused
  ResourceReverse: 'updating',
  ResourceReversal: 'updating',
  Idling: 'unavailable',
  Isolated: 'unavailable', // arrears
  ResourceIsolate: 'unavailable',
  ResourceIsolated: 'unavailable',
  Abnormal: 'failed',
  Deleting: 'deleting',
  ResourceDestroy: 'deleting',
  ResourceDestroyed: 'deleting',
};
const PHASES = TKE_PHASES;
/** Node pool LifeState as the SDK documents it: creating, normal, updating, deleting, deleted. */
const POOL_PHASES: Record<string, PoolPhase> = {
  creating: 'provisioning',
  normal: 'active',
  updating: 'scaling',
  deleting: 'deleting',
  deleted: 'deleting',
};

/** Task types Berth reads failure reasons from (DescribeTasks needs a TaskType filter; names as TKE's console shows them, unconfirmed). */
const TASK_TYPES = {
  create: 'create_cluster',
  delete: 'delete_cluster',
  deletePool: 'delete_node_pool',
} as const;
/** The instance type of pools that name none (TKE's LaunchConfigurePara needs one). */
export const TKE_DEFAULT_INSTANCE_TYPE = 'S5.MEDIUM4';
/** MaxSize of a pool's auto-scaling group when autoscaling names none. */
export const TKE_DEFAULT_MAX_SIZE = 100;

export const TKE_CAPABILITIES: ProviderCapabilities = {
  create: true,
  destroy: true,
  update: ['name', 'description'],
  node_pools: { list: true, create: true, resize: true, delete: true, autoscaling: false },
  remove_nodes: true,
};

const VERSION = TKE_VERSION;

/**
 * Tencent Cloud TKE through the official SDK (tencentcloud-sdk-nodejs-tke). TKE has no task ids:
 * change tickets name what to poll (cluster status, pool life state, instances).
 */
export class TkeClusterProvider implements ClusterProvider {
  readonly name = 'tke' as const;
  readonly capabilities = TKE_CAPABILITIES;
  /** TKE creates a cluster without pools; Berth adds the spec's pools once it runs. */
  readonly poolsAfterCreate = true;
  private readonly vendor: ProviderCaller;

  constructor(
    private readonly api: TkeApi,
    readonly region: string,
    opts: VendorCallOptions,
  ) {
    this.vendor = new ProviderCaller('tke', opts, classifyTkeError);
  }

  validateSpec(spec: ClusterSpec): FieldError[] {
    const problems: FieldError[] = [];
    if (spec.kubernetes_version !== undefined && !VERSION.test(spec.kubernetes_version))
      problems.push({ field: 'spec.kubernetes_version', errors: ['TKE versions look like "1.30.0"'] });
    if (!spec.vpc_id) problems.push({ field: 'spec.vpc_id', errors: ['TKE needs the VPC of the cluster'] });
    if (!spec.pod_cidr)
      problems.push({ field: 'spec.pod_cidr', errors: ['TKE needs a pod CIDR (ClusterCIDR)'] });
    if (spec.deletion_protection)
      problems.push({
        field: 'spec.deletion_protection',
        errors: ['Berth cannot set TKE deletion protection'],
      });
    // An internal endpoint lives in a subnet of the cluster's VPC (CreateClusterEndpoint SubnetId).
    if (
      (spec.endpoint?.access ?? 'internal') === 'internal' &&
      !(spec.endpoint?.subnet_id ?? spec.subnet_ids?.[0])
    )
      problems.push({
        field: 'spec.endpoint.subnet_id',
        errors: ['TKE’s internal API endpoint needs a subnet (here or the first of spec.subnet_ids)'],
      });
    for (const [i, p] of (spec.node_pools ?? []).entries()) {
      for (const f of this.validatePool(p, spec))
        problems.push({ ...f, field: `spec.node_pools.${i}.${f.field}` });
    }
    return problems;
  }

  /** The pool's auto-scaling group needs subnets of the cluster's VPC (AutoScalingGroupPara SubnetIds). */
  validatePool(p: NodePoolSpec, cluster: ClusterSpec): FieldError[] {
    const problems: FieldError[] = [];
    if (!(p.subnet_ids ?? cluster.subnet_ids)?.length)
      problems.push({
        field: 'subnet_ids',
        errors: ['TKE node pools need subnets (here or in the cluster’s spec.subnet_ids)'],
      });
    const min = p.autoscaling?.min_size ?? 0;
    const max = Math.max(p.autoscaling?.max_size ?? TKE_DEFAULT_MAX_SIZE, p.desired_size);
    if (p.autoscaling && (p.desired_size < min || p.desired_size > p.autoscaling.max_size))
      problems.push({
        field: 'desired_size',
        errors: [`TKE needs min_size <= desired_size <= max_size (${min}..${max})`],
      });
    return problems;
  }

  async findClusterByName(name: string): Promise<VendorCluster | null> {
    const res = await this.vendor.call(
      'DescribeClusters',
      () => this.api.DescribeClusters({ Filters: [{ Name: 'ClusterName', Values: [name] }], Limit: 100 }),
      { idempotent: true },
    );
    const hit = (res.Clusters ?? []).find((c) => c.ClusterName === name && c.ClusterStatus !== 'Deleting');
    return hit ? this.cluster(hit) : null;
  }

  async createCluster(req: {
    name: string;
    description?: string | null;
    spec: ClusterSpec;
  }): Promise<{ id: string; change: VendorChange }> {
    const s = req.spec;
    const res = await this.vendor.call(
      'CreateCluster',
      () =>
        this.api.CreateCluster({
          ClusterType: 'MANAGED_CLUSTER',
          ClusterCIDRSettings: { ClusterCIDR: s.pod_cidr, ServiceCIDR: s.service_cidr },
          ClusterBasicSettings: {
            ClusterName: req.name,
            ClusterDescription: req.description ?? undefined,
            ClusterVersion: s.kubernetes_version,
            VpcId: s.vpc_id,
          },
        } as Parameters<TkeApi['CreateCluster']>[0]),
      { idempotent: false },
    );
    const id = res.ClusterId!;
    return { id, change: { kind: 'cluster-running', cluster: id } };
  }

  async getCluster(id: string): Promise<VendorCluster | null> {
    const res = await this.vendor.call(
      'DescribeClusters',
      () => this.api.DescribeClusters({ ClusterIds: [id] }),
      { idempotent: true },
    );
    const c = res.Clusters?.[0];
    return c ? this.cluster(c) : null;
  }

  async updateCluster(
    id: string,
    change: { name?: string; description?: string },
  ): Promise<VendorChange | null> {
    if (change.name === undefined && change.description === undefined) return null;
    await this.vendor.call(
      'ModifyClusterAttribute',
      () =>
        this.api.ModifyClusterAttribute({
          ClusterId: id,
          ClusterName: change.name,
          ClusterDesc: change.description,
        }),
      { idempotent: true },
    );
    return null; // synchronous at TKE
  }

  async deleteCluster(id: string): Promise<VendorChange> {
    try {
      await this.vendor.call(
        'DeleteCluster',
        () => this.api.DeleteCluster({ ClusterId: id, InstanceDeleteMode: 'terminate' }),
        { idempotent: true },
      );
    } catch (e) {
      if ((e as { code?: number }).code !== 40400) throw e;
    }
    return { kind: 'cluster-gone', cluster: id };
  }

  async checkChange(change: VendorChange): Promise<ChangeState> {
    const cluster = String(change.cluster ?? '');
    switch (change.kind) {
      case 'cluster-running': {
        const st = await this.status(cluster);
        if (st === 'Running') return { state: 'succeeded' };
        const phase = st === null ? null : (PHASES[st] ?? 'updating');
        if (phase === null || phase === 'failed' || phase === 'unavailable' || phase === 'deleting')
          return {
            state: 'failed',
            vendor_code: st ?? undefined,
            message:
              (await this.lastError(cluster, TASK_TYPES.create)) ?? `cluster ${cluster} is ${st ?? 'gone'}`,
          };
        return { state: 'running', message: `cluster ${st}` };
      }
      case 'cluster-gone': {
        const st = await this.status(cluster);
        if (st === null || st === 'ResourceDestroyed') return { state: 'succeeded' };
        if (PHASES[st] === 'failed')
          return {
            state: 'failed',
            vendor_code: st,
            message: (await this.lastError(cluster, TASK_TYPES.delete)) ?? `cluster ${cluster} is ${st}`,
          };
        return { state: 'running', message: `cluster ${st}` };
      }
      case 'pool': {
        const pool = (await this.listNodePools(cluster)).find((p) => p.id === change.pool);
        if (change.target === 'gone') return this.poolDeletion(cluster, String(change.pool), pool);
        if (!pool) return { state: 'failed', message: `node pool ${String(change.pool)} is gone` };
        return pool.phase === 'active'
          ? { state: 'succeeded' }
          : { state: 'running', message: `pool ${pool.vendor_state}` };
      }
      case 'endpoint': {
        const res = await this.vendor.call(
          'DescribeClusterEndpointStatus',
          () =>
            this.api.DescribeClusterEndpointStatus({
              ClusterId: cluster,
              IsExtranet: change.extranet === true,
            }),
          { idempotent: true },
        );
        if (res.Status === 'Created') return { state: 'succeeded' };
        if (res.Status === 'CreateFailed')
          return {
            state: 'failed',
            vendor_code: 'CreateFailed',
            message: `TKE could not open the ${change.extranet ? 'external' : 'internal'} API endpoint: ${res.ErrorMsg || 'no reason given'}; check the endpoint's subnet and security group in spec.endpoint`,
          };
        return { state: 'running', message: `endpoint ${res.Status ?? 'pending'}` };
      }
      case 'instances': {
        const ids = (change.instances as string[]) ?? [];
        const res = await this.vendor.call(
          'DescribeClusterInstances',
          () => this.api.DescribeClusterInstances({ ClusterId: cluster, InstanceIds: ids }),
          { idempotent: true },
        );
        return res.InstanceSet?.length
          ? { state: 'running', message: 'instances terminating' }
          : { state: 'succeeded' };
      }
      case 'failed':
        return { state: 'failed', message: String(change.message) };
      default:
        return { state: 'succeeded' };
    }
  }

  /**
   * TKE's kubeconfig names the cluster's default domain, reachable from nowhere, until an API endpoint of
   * that kind (internal / external) is enabled (SDK docs): open the one the spec asks for (default
   * internal, in spec.endpoint.subnet_id or the first of spec.subnet_ids), unless it is open already.
   */
  async openAccess(id: string, spec: ClusterSpec): Promise<VendorChange | null> {
    const extranet = spec.endpoint?.access === 'external';
    const status = await this.vendor.call(
      'DescribeClusterEndpointStatus',
      () => this.api.DescribeClusterEndpointStatus({ ClusterId: id, IsExtranet: extranet }),
      { idempotent: true },
    );
    const change = { kind: 'endpoint', cluster: id, extranet };
    if (status.Status === 'Created') return null;
    if (status.Status === 'Creating') return change;
    await this.vendor.call(
      'CreateClusterEndpoint',
      () =>
        this.api.CreateClusterEndpoint({
          ClusterId: id,
          IsExtranet: extranet,
          SubnetId: extranet ? undefined : (spec.endpoint?.subnet_id ?? spec.subnet_ids?.[0]),
          SecurityGroup: spec.endpoint?.security_group,
        }),
      { idempotent: false },
    );
    return change;
  }

  async kubeconfig(id: string, spec?: ClusterSpec): Promise<string> {
    const res = await this.vendor.call(
      'DescribeClusterKubeconfig',
      () =>
        this.api.DescribeClusterKubeconfig({
          ClusterId: id,
          IsExtranet: spec?.endpoint?.access === 'external',
        }),
      { idempotent: true },
    );
    return res.Kubeconfig ?? '';
  }

  async listNodePools(clusterId: string): Promise<VendorNodePool[]> {
    const res = await this.vendor.call(
      'DescribeClusterNodePools',
      () => this.api.DescribeClusterNodePools({ ClusterId: clusterId }),
      { idempotent: true },
    );
    return (res.NodePoolSet ?? []).map((p) => {
      const summary = p.NodeCountSummary?.AutoscalingAdded;
      const manual = p.NodeCountSummary?.ManuallyAdded;
      return {
        id: p.NodePoolId ?? '',
        name: p.Name ?? '',
        phase: POOL_PHASES[p.LifeState ?? ''] ?? 'updating',
        vendor_state: p.LifeState ?? 'unknown',
        desired_size: p.DesiredNodesNum ?? 0,
        total_nodes: (summary?.Total ?? 0) + (manual?.Total ?? 0),
        ready_nodes: (summary?.Normal ?? 0) + (manual?.Normal ?? 0),
        instance_types: [],
        // The pool's bounds; whether the cluster autoscaler drives it is not reported by this call.
        autoscaling: { enabled: false, min_size: p.MinNodesNum ?? 0, max_size: p.MaxNodesNum ?? 0 },
      };
    });
  }

  async createNodePool(clusterId: string, pool: NodePoolSpec): Promise<{ id: string; change: VendorChange }> {
    const min = pool.autoscaling?.min_size ?? 0;
    const max = Math.max(pool.autoscaling?.max_size ?? TKE_DEFAULT_MAX_SIZE, pool.desired_size);
    const described = await this.vendor.call(
      'DescribeClusters',
      () => this.api.DescribeClusters({ ClusterIds: [clusterId] }),
      { idempotent: true },
    );
    const vpcId = described.Clusters?.[0]?.ClusterNetworkSettings?.VpcId;
    const res = await this.vendor.call(
      'CreateClusterNodePool',
      () =>
        this.api.CreateClusterNodePool({
          ClusterId: clusterId,
          Name: pool.name,
          AutoScalingGroupPara: JSON.stringify({
            MinSize: min,
            MaxSize: max,
            DesiredCapacity: pool.desired_size,
            VpcId: vpcId,
            SubnetIds: pool.subnet_ids,
          }),
          LaunchConfigurePara: JSON.stringify({
            InstanceType: pool.instance_types?.[0] ?? TKE_DEFAULT_INSTANCE_TYPE,
          }),
          InstanceAdvancedSettings: {} as AdvancedSettings,
          EnableAutoscale: pool.autoscaling?.enabled ?? false,
        }),
      { idempotent: false },
    );
    const id = res.NodePoolId!;
    return { id, change: { kind: 'pool', cluster: clusterId, pool: id, target: 'active' } };
  }

  async resizeNodePool(
    clusterId: string,
    poolId: string,
    size: { desired_size?: number },
  ): Promise<VendorChange> {
    if (size.desired_size !== undefined) {
      const desired = size.desired_size;
      await this.vendor.call(
        'ModifyNodePoolDesiredCapacityAboutAsg',
        () =>
          this.api.ModifyNodePoolDesiredCapacityAboutAsg({
            ClusterId: clusterId,
            NodePoolId: poolId,
            DesiredCapacity: desired,
          }),
        {
          idempotent: true,
        },
      );
    }
    return { kind: 'pool', cluster: clusterId, pool: poolId, target: 'active' };
  }

  async deleteNodePool(clusterId: string, poolId: string): Promise<VendorChange> {
    try {
      await this.vendor.call(
        'DeleteClusterNodePool',
        () =>
          this.api.DeleteClusterNodePool({
            ClusterId: clusterId,
            NodePoolIds: [poolId],
            KeepInstance: false,
          }),
        { idempotent: true },
      );
    } catch (e) {
      if ((e as { code?: number }).code !== 40400) throw e;
    }
    return { kind: 'pool', cluster: clusterId, pool: poolId, target: 'gone' };
  }

  async listNodes(clusterId: string, poolId?: string): Promise<VendorNode[]> {
    const out: VendorNode[] = [];
    for (let offset = 0; offset < 10_000; offset += 100) {
      const res = await this.vendor.call(
        'DescribeClusterInstances',
        () =>
          this.api.DescribeClusterInstances({
            ClusterId: clusterId,
            Offset: offset,
            Limit: 100,
            Filters: poolId ? [{ Name: 'nodepool-id', Values: [poolId] }] : undefined,
          }),
        { idempotent: true },
      );
      for (const i of res.InstanceSet ?? []) {
        out.push({
          instance_id: i.InstanceId ?? '',
          node_name: i.LanIP ?? '',
          pool_id: i.NodePoolId || null,
          state: i.InstanceState ?? 'unknown',
          ip: i.LanIP ?? null,
        });
      }
      if (offset + 100 >= (res.TotalCount ?? 0)) break;
    }
    return out;
  }

  async removeNodes(clusterId: string, _poolId: string, instanceIds: string[]): Promise<VendorChange> {
    const res = await this.vendor.call(
      'DeleteClusterInstances',
      () =>
        this.api.DeleteClusterInstances({
          ClusterId: clusterId,
          InstanceIds: instanceIds,
          InstanceDeleteMode: 'terminate',
        }),
      {
        idempotent: true,
      },
    );
    if (res.FailedInstanceIds?.length)
      return { kind: 'failed', message: `TKE could not delete ${res.FailedInstanceIds.join(', ')}` };
    return { kind: 'instances', cluster: clusterId, instances: instanceIds };
  }

  private async status(id: string): Promise<string | null> {
    const res = await this.vendor.call(
      'DescribeClusterStatus',
      () => this.api.DescribeClusterStatus({ ClusterIds: [id] }),
      { idempotent: true },
    );
    return res.ClusterStatusSet?.find((s) => s.ClusterId === id)?.ClusterState ?? null;
  }

  /** The reason of the newest failed task of a type ("the task type must be passed", SDK). */
  private async lastError(id: string, taskType: string, target?: string): Promise<string | null> {
    const failed = (await this.tasks(id, taskType)).filter(
      (t) => t.LastError && (!target || t.TargetObj === target),
    );
    return failed.length ? (failed[failed.length - 1].LastError ?? null) : null;
  }

  private async tasks(id: string, taskType: string) {
    const res = await this.vendor.call(
      'DescribeTasks',
      () =>
        this.api.DescribeTasks({
          Filter: [
            { Name: 'ClusterId', Values: [id] },
            { Name: 'TaskType', Values: [taskType] },
          ],
        }),
      { idempotent: true },
    );
    return res.Tasks ?? [];
  }

  /**
   * A pool delete is done when the pool is gone (or `deleted`); it failed when TKE's delete task for it
   * was aborted, or the pool is back in service with its delete task over — with the task's reason.
   */
  private async poolDeletion(cluster: string, poolId: string, pool?: VendorNodePool): Promise<ChangeState> {
    if (!pool || pool.vendor_state === 'deleted') return { state: 'succeeded' };
    if (pool.vendor_state === 'deleting') return { state: 'running', message: 'pool deleting' };
    const task = (await this.tasks(cluster, TASK_TYPES.deletePool))
      .filter((t) => t.TargetObj === poolId)
      .at(-1);
    const over = task && task.LifeState !== 'process' && task.LifeState !== 'resume';
    if (task && (/^abort/.test(task.LifeState ?? '') || (over && pool.vendor_state === 'normal')))
      return {
        state: 'failed',
        vendor_code: task.LifeState ?? undefined,
        message: `TKE did not delete node pool ${poolId} (it is ${pool.vendor_state} again): ${task.LastError || 'no reason given'}`,
      };
    return { state: 'running', message: `pool ${pool.vendor_state}` };
  }

  private cluster(c: {
    ClusterId?: string;
    ClusterName?: string;
    ClusterStatus?: string;
    ClusterVersion?: string;
  }): VendorCluster {
    const state = c.ClusterStatus ?? 'unknown';
    return {
      id: c.ClusterId ?? '',
      name: c.ClusterName ?? '',
      phase: PHASES[state] ?? 'updating',
      vendor_state: state,
      version: c.ClusterVersion ?? null,
      message: null,
    };
  }
}

/** Builds the real SDK client from a revealed TKE credential (settings.endpoint overrides the public endpoint). */
export const tkeProviderFactory: ClusterProviderFactory = (credential, opts) => {
  const region = String(credential.settings.region ?? '');
  const endpoint =
    typeof credential.settings.endpoint === 'string' ? new URL(credential.settings.endpoint) : null;
  const policy = opts.outbound ?? OutboundPolicy.unconfigured();
  const api = new sdk.tke.v20180525.Client({
    credential: { secretId: credential.secrets.secret_id, secretKey: credential.secrets.secret_key },
    region,
    profile: {
      httpProfile: {
        endpoint: endpoint ? endpoint.host : 'tke.tencentcloudapi.com',
        protocol: endpoint ? `${endpoint.protocol}//` : 'https://',
        reqTimeout: Math.max(1, Math.ceil(opts.timeoutMs / 1000)),
        // Every connection is checked against the outbound policy on its resolved address.
        agent:
          endpoint?.protocol === 'http:'
            ? new GuardedHttpAgent(policy, { keepAlive: true })
            : new GuardedHttpsAgent(policy, { keepAlive: true }),
      },
    },
  });
  return new TkeClusterProvider(api, region, opts);
};
