// ACK state: clusters, node pools, nodes (ECS instances) and tasks, with their asynchronous transitions.
// Field names are ACK's own (snake_case), so records render straight into the API responses.
import { randomBytes } from 'node:crypto';
import type { KubeTarget } from '../common/kube-targets.js';
import { TargetPicker } from '../common/kube-targets.js';
import { Timeline } from './timeline.js';

/** Delays at timeScale 1, in ms. */
export const ACK_DELAYS = { createCluster: 4000, deleteCluster: 2000, modifyCluster: 500, nodePool: 2000 };

export type ClusterState =
  | 'initial'
  | 'running'
  | 'failed'
  | 'updating'
  | 'scaling'
  | 'removing'
  | 'deleting'
  | 'deleted'
  | 'delete_failed';
export type NodePoolState =
  'initial' | 'active' | 'scaling' | 'removing' | 'deleting' | 'updating' | 'failed';
export type NodeState = 'initial' | 'running' | 'removing' | 'failed';
export type TaskState = 'running' | 'success' | 'fail';

export interface AckCluster {
  cluster_id: string;
  name: string;
  cluster_type: string;
  cluster_spec: string;
  profile: string;
  region_id: string;
  zone_id: string;
  vpc_id: string;
  vswitch_ids: string[];
  service_cidr: string;
  container_cidr: string;
  init_version: string;
  current_version: string;
  state: ClusterState;
  deletion_protection: boolean;
  resource_group_id: string;
  tags: { key: string; value: string }[];
  created: string;
  updated: string;
  /** The real cluster this one's kubeconfig points at (picked when it becomes running). */
  target?: KubeTarget;
}

export interface AckNodePool {
  nodepool_id: string;
  cluster_id: string;
  name: string;
  state: NodePoolState;
  desired_size: number;
  instance_types: string[];
  vswitch_ids: string[];
  auto_scaling: { enable: boolean; min_instances: number; max_instances: number };
  created: string;
  updated: string;
}

export interface AckNode {
  instance_id: string;
  cluster_id: string;
  nodepool_id: string;
  node_name: string;
  ip: string;
  instance_type: string;
  state: NodeState;
  creation_time: string;
}

export interface AckTask {
  task_id: string;
  cluster_id: string;
  task_type: string;
  state: TaskState;
  target: { id: string; type: 'cluster' | 'nodepool' };
  created: string;
  updated: string;
  error?: { code: string; message: string };
  /** Instance ids the task touched (rendered as task_result). */
  instances: string[];
}

export interface Failure {
  code?: string;
  message?: string;
}

const hex = (n: number) =>
  randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
const alnum = (n: number) => {
  const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(n)].map((b) => abc[b % abc.length]).join('');
};
/** ACK timestamps look like 2024-05-01T10:20:30+08:00; UTC with an explicit offset is equivalent. */
export const ackTime = (t = Date.now()) => new Date(t).toISOString().replace(/\.\d{3}Z$/, '+00:00');

export class AckStore {
  readonly clusters = new Map<string, AckCluster>();
  readonly nodepools = new Map<string, AckNodePool>();
  readonly nodes = new Map<string, AckNode>();
  readonly tasks = new Map<string, AckTask>();
  readonly timeline: Timeline;
  private readonly picker: TargetPicker;
  private ipSeq = 10;

  constructor(
    readonly regionId: string,
    targets: KubeTarget[],
    timeScale: number,
  ) {
    this.timeline = new Timeline(timeScale);
    this.picker = new TargetPicker(targets);
  }

  // ---- queries -------------------------------------------------------------------------------------

  poolsOf(clusterId: string): AckNodePool[] {
    return [...this.nodepools.values()].filter((p) => p.cluster_id === clusterId);
  }

  nodesOf(clusterId: string, nodepoolId?: string): AckNode[] {
    return [...this.nodes.values()].filter(
      (n) => n.cluster_id === clusterId && (!nodepoolId || n.nodepool_id === nodepoolId),
    );
  }

  /** Worker nodes counted in a cluster's `size`. */
  sizeOf(clusterId: string): number {
    return this.nodesOf(clusterId).filter((n) => n.state !== 'removing').length;
  }

  // ---- tasks ---------------------------------------------------------------------------------------

  private task(
    cluster_id: string,
    task_type: string,
    target: AckTask['target'],
    instances: string[] = [],
  ): AckTask {
    const t: AckTask = {
      task_id: `T-${hex(24)}`,
      cluster_id,
      task_type,
      state: 'running',
      target,
      created: ackTime(),
      updated: ackTime(),
      instances,
    };
    this.tasks.set(t.task_id, t);
    return t;
  }

  private finish(t: AckTask, failure?: Failure, defaultCode = 'TaskFailed'): void {
    t.state = failure ? 'fail' : 'success';
    t.updated = ackTime();
    if (failure)
      t.error = {
        code: failure.code ?? defaultCode,
        message: failure.message ?? `task ${t.task_type} failed (simulated)`,
      };
  }

  // ---- clusters ------------------------------------------------------------------------------------

  createCluster(
    spec: Partial<
      Pick<
        AckCluster,
        | 'name'
        | 'cluster_type'
        | 'cluster_spec'
        | 'profile'
        | 'region_id'
        | 'zone_id'
        | 'vpc_id'
        | 'vswitch_ids'
        | 'service_cidr'
        | 'container_cidr'
        | 'deletion_protection'
        | 'resource_group_id'
        | 'tags'
      >
    > & {
      kubernetes_version?: string;
      pools: { name: string; desired_size: number; instance_types?: string[]; vswitch_ids?: string[] }[];
    },
    failure?: Failure,
  ): { cluster: AckCluster; task: AckTask } {
    const version = spec.kubernetes_version || '1.31.1-aliyun.1';
    const c: AckCluster = {
      cluster_id: `c${hex(32)}`,
      name: spec.name ?? '',
      cluster_type: spec.cluster_type || 'ManagedKubernetes',
      cluster_spec: spec.cluster_spec || 'ack.pro.small',
      profile: spec.profile || 'Default',
      region_id: spec.region_id || this.regionId,
      zone_id: spec.zone_id || `${spec.region_id || this.regionId}-k`,
      vpc_id: spec.vpc_id || `vpc-${alnum(20)}`,
      vswitch_ids: spec.vswitch_ids ?? [],
      service_cidr: spec.service_cidr || '172.16.0.0/16',
      container_cidr: spec.container_cidr || '10.0.0.0/8',
      init_version: version,
      current_version: version,
      state: 'initial',
      deletion_protection: spec.deletion_protection ?? false,
      resource_group_id: spec.resource_group_id || `rg-${alnum(15)}`,
      tags: spec.tags ?? [],
      created: ackTime(),
      updated: ackTime(),
    };
    this.clusters.set(c.cluster_id, c);
    const pools = spec.pools.map((p) => this.addPool(c, p));
    const task = this.task(c.cluster_id, 'cluster_create', { id: c.cluster_id, type: 'cluster' });
    this.timeline.after(ACK_DELAYS.createCluster, () => {
      c.updated = ackTime();
      if (failure) {
        c.state = 'failed';
        for (const p of pools) p.state = 'failed';
        for (const n of this.nodesOf(c.cluster_id)) n.state = 'failed';
        this.finish(task, failure, 'ClusterCreateFailed');
        return;
      }
      c.state = 'running';
      c.target = this.picker.pick();
      for (const p of pools) p.state = 'active';
      for (const n of this.nodesOf(c.cluster_id)) n.state = 'running';
      this.finish(task);
    });
    return { cluster: c, task };
  }

  modifyCluster(
    c: AckCluster,
    change: { name?: string; deletion_protection?: boolean; resource_group_id?: string },
    failure?: Failure,
  ): AckTask {
    const task = this.task(c.cluster_id, 'cluster_update', { id: c.cluster_id, type: 'cluster' });
    if (!failure) {
      if (change.name !== undefined) c.name = change.name;
      if (change.deletion_protection !== undefined) c.deletion_protection = change.deletion_protection;
      if (change.resource_group_id !== undefined) c.resource_group_id = change.resource_group_id;
      c.updated = ackTime();
    }
    this.timeline.after(ACK_DELAYS.modifyCluster, () => this.finish(task, failure, 'ClusterUpdateFailed'));
    return task;
  }

  deleteCluster(c: AckCluster, failure?: Failure): AckTask {
    c.state = 'deleting';
    c.updated = ackTime();
    const task = this.task(c.cluster_id, 'cluster_delete', { id: c.cluster_id, type: 'cluster' });
    this.timeline.after(ACK_DELAYS.deleteCluster, () => {
      if (failure) {
        c.state = 'delete_failed';
        c.updated = ackTime();
        this.finish(task, failure, 'ClusterDeleteFailed');
        return;
      }
      c.state = 'deleted';
      for (const p of this.poolsOf(c.cluster_id)) this.nodepools.delete(p.nodepool_id);
      for (const n of this.nodesOf(c.cluster_id)) this.nodes.delete(n.instance_id);
      this.clusters.delete(c.cluster_id);
      this.finish(task);
    });
    return task;
  }

  // ---- node pools ----------------------------------------------------------------------------------

  private addPool(
    c: AckCluster,
    p: {
      name: string;
      desired_size: number;
      instance_types?: string[];
      vswitch_ids?: string[];
      auto_scaling?: AckNodePool['auto_scaling'];
    },
  ): AckNodePool {
    const pool: AckNodePool = {
      nodepool_id: `np${hex(32)}`,
      cluster_id: c.cluster_id,
      name: p.name,
      state: 'initial',
      desired_size: p.desired_size,
      instance_types: p.instance_types?.length ? p.instance_types : ['ecs.g7.xlarge'],
      vswitch_ids: p.vswitch_ids?.length ? p.vswitch_ids : c.vswitch_ids,
      auto_scaling: p.auto_scaling ?? { enable: false, min_instances: 0, max_instances: 0 },
      created: ackTime(),
      updated: ackTime(),
    };
    this.nodepools.set(pool.nodepool_id, pool);
    this.addNodes(pool, p.desired_size);
    return pool;
  }

  private addNodes(pool: AckNodePool, count: number): AckNode[] {
    const region = this.clusters.get(pool.cluster_id)?.region_id ?? this.regionId;
    const added: AckNode[] = [];
    for (let i = 0; i < count; i++) {
      const seq = this.ipSeq++;
      const ip = `192.168.${Math.floor(seq / 250)}.${(seq % 250) + 2}`;
      const n: AckNode = {
        instance_id: `i-${alnum(20)}`,
        cluster_id: pool.cluster_id,
        nodepool_id: pool.nodepool_id,
        node_name: `${region}.${ip}`,
        ip,
        instance_type: pool.instance_types[0],
        state: 'initial',
        creation_time: ackTime(),
      };
      this.nodes.set(n.instance_id, n);
      added.push(n);
    }
    return added;
  }

  createNodePool(
    c: AckCluster,
    p: Parameters<AckStore['addPool']>[1],
    failure?: Failure,
  ): { pool: AckNodePool; task: AckTask } {
    const pool = this.addPool(c, p);
    const added = this.nodesOf(c.cluster_id, pool.nodepool_id);
    const task = this.task(
      c.cluster_id,
      'nodepool_create',
      { id: pool.nodepool_id, type: 'nodepool' },
      added.map((n) => n.instance_id),
    );
    this.timeline.after(ACK_DELAYS.nodePool, () => {
      pool.state = failure ? 'failed' : 'active';
      pool.updated = ackTime();
      for (const n of added) if (this.nodes.has(n.instance_id)) n.state = failure ? 'failed' : 'running';
      this.finish(task, failure, 'NodePoolCreateFailed');
    });
    return { pool, task };
  }

  /** Scale out by `count` nodes (ScaleClusterNodePool) — or, with a negative count, in (ModifyClusterNodePool). */
  resizeNodePool(pool: AckNodePool, delta: number, taskType: string, failure?: Failure): AckTask {
    if (delta < 0) {
      const victims = this.nodesOf(pool.cluster_id, pool.nodepool_id)
        .filter((n) => n.state !== 'removing')
        .slice(delta);
      return this.removeNodes(pool, victims, taskType, failure);
    }
    pool.state = 'scaling';
    pool.desired_size += delta;
    pool.updated = ackTime();
    const added = this.addNodes(pool, delta);
    const task = this.task(
      pool.cluster_id,
      taskType,
      { id: pool.nodepool_id, type: 'nodepool' },
      added.map((n) => n.instance_id),
    );
    this.timeline.after(ACK_DELAYS.nodePool, () => {
      if (this.nodepools.has(pool.nodepool_id)) pool.state = 'active';
      pool.updated = ackTime();
      for (const n of added) n.state = failure ? 'failed' : 'running';
      this.finish(task, failure, 'NodePoolScaleFailed');
    });
    return task;
  }

  updateNodePool(
    pool: AckNodePool,
    change: { name?: string; auto_scaling?: Partial<AckNodePool['auto_scaling']>; instance_types?: string[] },
    failure?: Failure,
  ): AckTask {
    if (!failure) {
      if (change.name) pool.name = change.name;
      if (change.auto_scaling) pool.auto_scaling = { ...pool.auto_scaling, ...change.auto_scaling };
      if (change.instance_types?.length) pool.instance_types = change.instance_types;
    }
    pool.state = 'updating';
    pool.updated = ackTime();
    const task = this.task(pool.cluster_id, 'nodepool_update', { id: pool.nodepool_id, type: 'nodepool' });
    this.timeline.after(ACK_DELAYS.modifyCluster, () => {
      if (this.nodepools.has(pool.nodepool_id)) pool.state = 'active';
      this.finish(task, failure, 'NodePoolUpdateFailed');
    });
    return task;
  }

  removeNodes(pool: AckNodePool, victims: AckNode[], taskType: string, failure?: Failure): AckTask {
    pool.state = 'removing';
    pool.updated = ackTime();
    if (!failure) pool.desired_size = Math.max(0, pool.desired_size - victims.length);
    const before = new Map(victims.map((n) => [n.instance_id, n.state]));
    for (const n of victims) n.state = 'removing';
    const task = this.task(
      pool.cluster_id,
      taskType,
      { id: pool.nodepool_id, type: 'nodepool' },
      victims.map((n) => n.instance_id),
    );
    this.timeline.after(ACK_DELAYS.nodePool, () => {
      if (this.nodepools.has(pool.nodepool_id)) pool.state = 'active';
      pool.updated = ackTime();
      for (const n of victims) {
        if (failure) n.state = before.get(n.instance_id) ?? 'running';
        else this.nodes.delete(n.instance_id);
      }
      this.finish(task, failure, 'NodeRemoveFailed');
    });
    return task;
  }

  deleteNodePool(pool: AckNodePool, failure?: Failure): AckTask {
    const previous = pool.state;
    pool.state = 'deleting';
    pool.updated = ackTime();
    const nodes = this.nodesOf(pool.cluster_id, pool.nodepool_id);
    for (const n of nodes) n.state = 'removing';
    const task = this.task(
      pool.cluster_id,
      'nodepool_delete',
      { id: pool.nodepool_id, type: 'nodepool' },
      nodes.map((n) => n.instance_id),
    );
    this.timeline.after(ACK_DELAYS.nodePool, () => {
      if (failure) {
        pool.state = previous === 'deleting' ? 'active' : previous;
        for (const n of nodes) n.state = 'running';
      } else {
        for (const n of nodes) this.nodes.delete(n.instance_id);
        this.nodepools.delete(pool.nodepool_id);
      }
      this.finish(task, failure, 'NodePoolDeleteFailed');
    });
    return task;
  }

  snapshot(): unknown {
    return {
      clusters: [...this.clusters.values()].map(({ target, ...c }) => ({ ...c, target: target?.name })),
      nodepools: [...this.nodepools.values()],
      nodes: [...this.nodes.values()],
      tasks: [...this.tasks.values()],
      pending_transitions: this.timeline.pending,
    };
  }
}
