// TKE state: clusters, node pools and instances with their asynchronous transitions (no task ids in TKE:
// clients poll ClusterStatus / LifeState / InstanceState). Field names are TKE's own (PascalCase).
import { randomBytes } from 'node:crypto';
import { TargetPicker, type KubeTarget } from '../common/kube-targets.js';
import { Timeline } from '../ack/timeline.js';

/** Delays at timeScale 1, in ms. */
export const TKE_DELAYS = { createCluster: 4000, deleteCluster: 2000, nodePool: 2000, endpoint: 1000 };

export type ClusterStatus = 'Creating' | 'Running' | 'Deleting' | 'Abnormal';
export type LifeState = 'creating' | 'normal' | 'updating' | 'deleting';
export type InstanceState = 'initializing' | 'running' | 'failed';

export interface TkeCluster {
  ClusterId: string;
  ClusterName: string;
  ClusterDescription: string;
  ClusterVersion: string;
  ClusterOs: string;
  ClusterType: string;
  Region: string;
  VpcId: string;
  ClusterCIDR: string;
  ServiceCIDR: string;
  MaxNodePodNum: number;
  MaxClusterServiceNum: number;
  ProjectId: number;
  /** Stored status; `Scaling` is derived while a node pool changes size. */
  Status: ClusterStatus;
  DeletionProtection: boolean;
  Tags: { Key: string; Value: string }[];
  CreatedTime: string;
  /** Why the cluster went Abnormal (also reported by DescribeTasks as LastError). */
  FailedReason?: string;
  /**
   * The API server's access endpoints (CreateClusterEndpoint). Without one, DescribeClusterKubeconfig hands
   * out a kubeconfig for the cluster's default domain, which nothing outside TKE can reach (SDK docs).
   */
  endpoints: { intranet?: TkeEndpoint; extranet?: TkeEndpoint };
  target?: KubeTarget;
}

/** DescribeClusterEndpointStatus: Created | Creating | NotFound | CreateFailed. */
export interface TkeEndpoint {
  Status: 'Creating' | 'Created' | 'CreateFailed';
  ErrorMsg: string;
  SubnetId?: string;
  SecurityGroup?: string;
}

export interface TkeNodePool {
  NodePoolId: string;
  ClusterId: string;
  Name: string;
  LifeState: LifeState;
  MinNodesNum: number;
  MaxNodesNum: number;
  DesiredNodesNum: number;
  InstanceType: string;
  EnableAutoscale: boolean;
  AutoscalingGroupId: string;
  LaunchConfigurationId: string;
  Labels: { Name: string; Value: string }[];
  Taints: { Key: string; Value: string; Effect: string }[];
  CreatedTime: string;
}

export interface TkeInstance {
  InstanceId: string;
  ClusterId: string;
  NodePoolId: string;
  InstanceState: InstanceState;
  FailedReason: string;
  LanIP: string;
  CreatedTime: string;
}

export interface TkeTask {
  TaskID: string;
  ClusterID: string;
  TaskType: string;
  TargetObj: string;
  LifeState: 'process' | 'done' | 'aborted';
  LastError: string;
  CreatedAt: string;
  UpdatedAt: string;
}

const alnum = (n: number) => {
  const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(n)].map((b) => abc[b % abc.length]).join('');
};
export const tkeTime = (t = Date.now()) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

export class TkeStore {
  readonly clusters = new Map<string, TkeCluster>();
  readonly nodepools = new Map<string, TkeNodePool>();
  readonly instances = new Map<string, TkeInstance>();
  readonly tasks: TkeTask[] = [];
  readonly timeline: Timeline;
  private readonly picker: TargetPicker;
  private ipSeq = 10;

  constructor(targets: KubeTarget[], timeScale: number) {
    this.timeline = new Timeline(timeScale);
    this.picker = new TargetPicker(targets);
  }

  poolsOf(clusterId: string): TkeNodePool[] {
    return [...this.nodepools.values()].filter((p) => p.ClusterId === clusterId);
  }

  instancesOf(clusterId: string, nodePoolId?: string): TkeInstance[] {
    return [...this.instances.values()].filter(
      (i) => i.ClusterId === clusterId && (nodePoolId === undefined || i.NodePoolId === nodePoolId),
    );
  }

  /** ClusterStatus as the API reports it: Running clusters show Scaling while a node pool resizes. */
  statusOf(c: TkeCluster): string {
    if (c.Status === 'Running' && this.poolsOf(c.ClusterId).some((p) => p.LifeState === 'updating'))
      return 'Scaling';
    return c.Status;
  }

  private task(c: TkeCluster, TaskType: string, TargetObj: string): TkeTask {
    const t: TkeTask = {
      TaskID: `task-${alnum(10)}`,
      ClusterID: c.ClusterId,
      TaskType,
      TargetObj,
      LifeState: 'process',
      LastError: '',
      CreatedAt: tkeTime(),
      UpdatedAt: tkeTime(),
    };
    this.tasks.push(t);
    return t;
  }

  private finish(t: TkeTask, failure?: string): void {
    t.LifeState = failure === undefined ? 'done' : 'aborted';
    t.LastError = failure ?? '';
    t.UpdatedAt = tkeTime();
  }

  createCluster(
    spec: Omit<
      TkeCluster,
      'ClusterId' | 'Status' | 'CreatedTime' | 'FailedReason' | 'target' | 'endpoints'
    > & {
      workers: number;
    },
    failure?: string,
  ): TkeCluster {
    const c: TkeCluster = {
      ...spec,
      ClusterId: `cls-${alnum(8)}`,
      Status: 'Creating',
      CreatedTime: tkeTime(),
      endpoints: {},
    };
    if (!c.ClusterName) c.ClusterName = c.ClusterId;
    this.clusters.set(c.ClusterId, c);
    const workers = this.addInstances(c.ClusterId, '', spec.workers);
    const task = this.task(c, 'create_cluster', c.ClusterId);
    this.timeline.after(TKE_DELAYS.createCluster, () => {
      if (failure !== undefined) {
        c.Status = 'Abnormal';
        c.FailedReason = failure;
        for (const i of workers) Object.assign(i, { InstanceState: 'failed', FailedReason: failure });
      } else {
        c.Status = 'Running';
        c.target = this.picker.pick();
        for (const i of workers) i.InstanceState = 'running';
      }
      this.finish(task, failure);
    });
    return c;
  }

  deleteCluster(c: TkeCluster, failure?: string): void {
    c.Status = 'Deleting';
    const task = this.task(c, 'delete_cluster', c.ClusterId);
    this.timeline.after(TKE_DELAYS.deleteCluster, () => {
      this.finish(task, failure);
      if (failure !== undefined) {
        c.Status = 'Abnormal';
        c.FailedReason = failure;
        return;
      }
      for (const p of this.poolsOf(c.ClusterId)) this.nodepools.delete(p.NodePoolId);
      for (const i of this.instancesOf(c.ClusterId)) this.instances.delete(i.InstanceId);
      this.clusters.delete(c.ClusterId);
    });
  }

  /** CreateClusterEndpoint: Creating, then Created (or CreateFailed with the reason) after a while. */
  createEndpoint(
    c: TkeCluster,
    extranet: boolean,
    settings: { SubnetId?: string; SecurityGroup?: string },
    failure?: string,
  ): void {
    const e: TkeEndpoint = { Status: 'Creating', ErrorMsg: '', ...settings };
    c.endpoints[extranet ? 'extranet' : 'intranet'] = e;
    const task = this.task(
      c,
      extranet ? 'create_cluster_extranet_endpoint' : 'create_cluster_intranet_endpoint',
      c.ClusterId,
    );
    this.timeline.after(TKE_DELAYS.endpoint, () => {
      e.Status = failure === undefined ? 'Created' : 'CreateFailed';
      e.ErrorMsg = failure ?? '';
      this.finish(task, failure);
    });
  }

  private addInstances(clusterId: string, nodePoolId: string, count: number): TkeInstance[] {
    const added: TkeInstance[] = [];
    for (let n = 0; n < count; n++) {
      const seq = this.ipSeq++;
      const i: TkeInstance = {
        InstanceId: `ins-${alnum(8)}`,
        ClusterId: clusterId,
        NodePoolId: nodePoolId,
        InstanceState: 'initializing',
        FailedReason: '',
        LanIP: `10.0.${Math.floor(seq / 250)}.${(seq % 250) + 2}`,
        CreatedTime: tkeTime(),
      };
      this.instances.set(i.InstanceId, i);
      added.push(i);
    }
    return added;
  }

  createNodePool(
    c: TkeCluster,
    spec: Pick<
      TkeNodePool,
      | 'Name'
      | 'MinNodesNum'
      | 'MaxNodesNum'
      | 'DesiredNodesNum'
      | 'InstanceType'
      | 'EnableAutoscale'
      | 'Labels'
      | 'Taints'
    >,
    failure?: string,
  ): TkeNodePool {
    const p: TkeNodePool = {
      ...spec,
      NodePoolId: `np-${alnum(8)}`,
      ClusterId: c.ClusterId,
      LifeState: 'creating',
      AutoscalingGroupId: `asg-${alnum(8)}`,
      LaunchConfigurationId: `asc-${alnum(8)}`,
      CreatedTime: tkeTime(),
    };
    if (!p.Name) p.Name = p.NodePoolId;
    this.nodepools.set(p.NodePoolId, p);
    const added = this.addInstances(c.ClusterId, p.NodePoolId, p.DesiredNodesNum);
    const task = this.task(c, 'create_node_pool', p.NodePoolId);
    this.timeline.after(TKE_DELAYS.nodePool, () => this.settle(p, added, task, failure));
    return p;
  }

  /** Ends a pool change: the pool turns normal, its new instances run — or fail with the reason. */
  private settle(p: TkeNodePool, added: TkeInstance[], task: TkeTask, failure?: string): void {
    if (this.nodepools.has(p.NodePoolId)) p.LifeState = 'normal';
    for (const i of added) {
      if (!this.instances.has(i.InstanceId)) continue;
      i.InstanceState = failure === undefined ? 'running' : 'failed';
      i.FailedReason = failure ?? '';
    }
    this.finish(task, failure);
  }

  setDesired(c: TkeCluster, p: TkeNodePool, desired: number, failure?: string): void {
    const current = this.instancesOf(c.ClusterId, p.NodePoolId);
    p.DesiredNodesNum = desired;
    p.LifeState = 'updating';
    const task = this.task(c, 'modify_node_pool_desired_capacity', p.NodePoolId);
    let added: TkeInstance[] = [];
    if (desired > current.length)
      added = this.addInstances(c.ClusterId, p.NodePoolId, desired - current.length);
    const victims = desired < current.length ? current.slice(desired) : [];
    this.timeline.after(TKE_DELAYS.nodePool, () => {
      if (failure === undefined) for (const i of victims) this.instances.delete(i.InstanceId);
      this.settle(p, added, task, failure);
    });
  }

  deleteNodePool(c: TkeCluster, p: TkeNodePool, keepInstances: boolean, failure?: string): void {
    p.LifeState = 'deleting';
    const task = this.task(c, 'delete_node_pool', p.NodePoolId);
    this.timeline.after(TKE_DELAYS.nodePool, () => {
      this.finish(task, failure);
      if (failure !== undefined) {
        p.LifeState = 'normal';
        return;
      }
      for (const i of this.instancesOf(c.ClusterId, p.NodePoolId)) {
        if (keepInstances) i.NodePoolId = '';
        else this.instances.delete(i.InstanceId);
      }
      this.nodepools.delete(p.NodePoolId);
    });
  }

  /** Removes instances from the cluster at once; their pools' desired counts shrink accordingly. */
  deleteInstances(ids: string[]): void {
    for (const id of ids) {
      const i = this.instances.get(id);
      if (!i) continue;
      const p = this.nodepools.get(i.NodePoolId);
      if (p) p.DesiredNodesNum = Math.max(0, p.DesiredNodesNum - 1);
      this.instances.delete(id);
    }
  }

  snapshot(): unknown {
    return {
      clusters: [...this.clusters.values()].map(({ target, ...c }) => ({
        ...c,
        ClusterStatus: this.statusOf(c),
        target: target?.name,
      })),
      nodepools: [...this.nodepools.values()],
      instances: [...this.instances.values()],
      tasks: this.tasks,
      pending_transitions: this.timeline.pending,
    };
  }
}
