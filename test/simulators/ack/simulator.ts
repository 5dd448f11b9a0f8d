// Alibaba Cloud ACK (Container Service for Kubernetes, OpenAPI "CS" 2015-12-15) simulator: the ROA
// operations Berth uses, answered the way ACK answers them, for the official @alicloud/cs20151215 SDK.
//
// - Every request must carry a valid ACS3-HMAC-SHA256 signature from the simulator's AccessKey pair
//   (see signature.ts); gateway errors (signature, throttling) use the gateway's PascalCase envelope
//   {Code, Message, RequestId, HostId, Recommend}, ACK's own errors are {code, message, requestId}.
// - Async work (create/delete cluster, node pool create/scale/remove/delete) runs as a task
//   (DescribeTaskInfo) and moves states over simulated time (see store.ts / ACK_DELAYS × timeScale).
// - A running cluster's kubeconfig points at one of `opts.targets` (the testbed's clusters by default);
//   with no targets it points at the placeholder https://127.0.0.1:1 (nothing listens there).
import { randomBytes, randomUUID } from 'node:crypto';
import { kubeconfigFor, testbedTargets, type KubeTarget } from '../common/kube-targets.js';
import { KwokFleet, type KwokNodeSpec } from '../common/kwok-nodes.js';
import { SimServer, type Fault, type SimRequest, type SimResponse } from '../common/sim-server.js';
import type { RunningSimulator, SimulatorOptions } from '../common/types.js';
import { verifyAcs3 } from './signature.js';
import { AckStore, type AckCluster, type AckNode, type AckNodePool, type Failure } from './store.js';

export const ACK_REGION = 'cn-hangzhou';
/** What a cluster's kubeconfig points at when the simulator has no real targets. */
export const PLACEHOLDER_TARGET: KubeTarget = {
  name: 'placeholder',
  server: 'https://127.0.0.1:1',
  token: 'ack-sim-placeholder',
  ca_data: '',
};

type Op = (req: SimRequest) => SimResponse;

/** ACK's business error, thrown inside handlers and rendered as {code, message, requestId}. */
class AckError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const requestId = () => randomUUID().toUpperCase();

function ok(body: Record<string, unknown> | unknown[], rid = requestId()): SimResponse {
  return {
    status: 200,
    headers: { 'x-acs-request-id': rid },
    body: Array.isArray(body) ? body : { ...body, request_id: rid },
  };
}

function ackError(status: number, code: string, message: string): SimResponse {
  const rid = requestId();
  return { status, headers: { 'x-acs-request-id': rid }, body: { code, message, requestId: rid, status } };
}

/** The OpenAPI gateway's own error envelope (signature, throttling, unknown API). */
function gatewayError(status: number, code: string, message: string): SimResponse {
  const rid = requestId();
  return {
    status,
    headers: { 'x-acs-request-id': rid },
    body: {
      RequestId: rid,
      HostId: 'cs.aliyuncs.com',
      Code: code,
      Message: message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${code}&product=CS`,
    },
  };
}

// ---- request field helpers (ACK bodies are snake_case JSON; query values are strings) -------------

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
const strs = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.map(String) : undefined);
function num(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n))
    throw new AckError(400, 'InvalidParameter', `The parameter ${field} is invalid: ${JSON.stringify(v)}`);
  return n;
}
function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}
function jsonArray(v: string | null, field: string): string[] | undefined {
  if (v === null || v === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(v);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {}
  throw new AckError(400, 'InvalidParameter', `The parameter ${field} must be a JSON array string, got ${v}`);
}

/**
 * Fields the SDK models of @alicloud/cs20151215 7.2.0 mark "This parameter is required" (or whose remarks
 * say they must be given), enforced as ACK does: 400 MissingParameter naming the field.
 */
function need(v: unknown, field: string): void {
  if (v === undefined || v === null || v === '' || (Array.isArray(v) && !v.length))
    throw new AckError(400, 'MissingParameter', `The parameter ${field} is required.`);
}
/** A scaling_group of CreateClusterNodePool / CreateCluster nodepools[]: instance_charge_type, instance_types, vswitch_ids. */
function needScalingGroup(sg: Obj, prefix: string): void {
  need(sg.instance_charge_type, `${prefix}.instance_charge_type`);
  if (!['PrePaid', 'PostPaid'].includes(String(sg.instance_charge_type)))
    throw new AckError(
      400,
      'InvalidParameter',
      `${prefix}.instance_charge_type must be PrePaid or PostPaid.`,
    );
  need(sg.instance_types, `${prefix}.instance_types`);
  need(sg.vswitch_ids, `${prefix}.vswitch_ids`);
}

// ---- rendering ------------------------------------------------------------------------------------

function renderCluster(c: AckCluster, size: number): Obj {
  const endpoint = c.target?.server ?? (c.state === 'running' ? PLACEHOLDER_TARGET.server : '');
  return {
    cluster_id: c.cluster_id,
    name: c.name,
    cluster_type: c.cluster_type,
    cluster_spec: c.cluster_spec,
    profile: c.profile,
    region_id: c.region_id,
    zone_id: c.zone_id,
    vpc_id: c.vpc_id,
    vswitch_id: c.vswitch_ids.join(','),
    vswitch_ids: c.vswitch_ids,
    service_cidr: c.service_cidr,
    container_cidr: c.container_cidr,
    subnet_cidr: c.container_cidr,
    init_version: c.init_version,
    current_version: c.current_version,
    state: c.state,
    size,
    deletion_protection: c.deletion_protection,
    resource_group_id: c.resource_group_id,
    tags: c.tags,
    network_mode: 'vpc',
    proxy_mode: 'ipvs',
    ip_stack: 'ipv4',
    cluster_domain: 'cluster.local',
    timezone: 'Asia/Shanghai',
    docker_version: 'containerd',
    master_url: endpoint
      ? JSON.stringify({ api_server_endpoint: endpoint, intranet_api_server_endpoint: endpoint })
      : '',
    created: c.created,
    updated: c.updated,
  };
}

function renderPool(p: AckNodePool, nodes: AckNode[], regionId: string): Obj {
  const count = (s: AckNode['state']) => nodes.filter((n) => n.state === s).length;
  return {
    nodepool_info: {
      nodepool_id: p.nodepool_id,
      name: p.name,
      type: 'ess',
      is_default: false,
      region_id: regionId,
      resource_group_id: '',
      created: p.created,
      updated: p.updated,
    },
    scaling_group: {
      scaling_group_id: `asg-${p.nodepool_id.slice(2, 22)}`,
      desired_size: p.desired_size,
      instance_types: p.instance_types,
      vswitch_ids: p.vswitch_ids,
      instance_charge_type: 'PostPaid',
      system_disk_category: 'cloud_essd',
      system_disk_size: 120,
      image_type: 'AliyunLinux3',
      multi_az_policy: 'BALANCE',
    },
    auto_scaling: { ...p.auto_scaling, type: 'cpu' },
    kubernetes_config: {
      runtime: 'containerd',
      runtime_version: '1.6.28',
      cms_enabled: false,
      unschedulable: false,
      node_name_mode: '',
    },
    management: { enable: false, auto_repair: false, auto_upgrade: false },
    status: {
      state: p.state,
      total_nodes: nodes.length,
      healthy_nodes: count('running'),
      serving_nodes: count('running'),
      initial_nodes: count('initial'),
      failed_nodes: count('failed'),
      removing_nodes: count('removing'),
      offline_nodes: 0,
    },
  };
}

function renderNode(n: AckNode): Obj {
  const ready = n.state === 'running';
  return {
    instance_id: n.instance_id,
    instance_name: `worker-k8s-for-cs-${n.cluster_id.slice(0, 8)}`,
    node_name: n.node_name,
    host_name: n.node_name,
    nodepool_id: n.nodepool_id,
    state: n.state,
    node_status: ready ? 'Ready' : n.state === 'failed' ? 'Unknown' : 'NotReady',
    instance_status: n.state === 'removing' ? 'Stopping' : 'Running',
    instance_role: 'Worker',
    instance_type: n.instance_type,
    instance_type_family: n.instance_type.split('.').slice(0, 2).join('.'),
    instance_charge_type: 'PostPaid',
    ip_address: [n.ip],
    image_id: 'aliyun_3_x64_20G_alibase_20240528.vhd',
    is_aliyun_node: true,
    source: 'ess_attach',
    spot_strategy: 'NoSpot',
    creation_time: n.creation_time,
    expired_time: '2099-12-31T15:59:00Z',
    error_message: n.state === 'failed' ? 'node failed to join the cluster (simulated)' : '',
  };
}

function page<T>(
  items: T[],
  pageNumber = 1,
  pageSize = 10,
): { items: T[]; page_number: number; page_size: number; total_count: number } {
  if (pageNumber < 1) throw new AckError(400, 'InvalidParameter', 'page_number must be >= 1');
  if (pageSize < 1 || pageSize > 100)
    throw new AckError(400, 'InvalidParameter', 'page_size must be between 1 and 100');
  return {
    items: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
    page_number: pageNumber,
    page_size: pageSize,
    total_count: items.length,
  };
}

// ---- the simulator --------------------------------------------------------------------------------

export async function startAckSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const store = new AckStore(ACK_REGION, opts.targets ?? testbedTargets(), opts.timeScale ?? 1);
  const accessKeyId = `LTAI5t${randomBytes(9).toString('hex')}`;
  const accessKeySecret = randomBytes(15).toString('hex');
  const secrets = new Map([[accessKeyId, accessKeySecret]]);
  const nonces = new Set<string>();
  // Instances that joined their cluster are kwok nodes in its testbed target, labelled as ACK labels them.
  const fleet = new KwokFleet('ack');
  const wantedNodes = () => {
    const out = new Map<string, { target?: KubeTarget; nodes: KwokNodeSpec[] }>();
    for (const c of store.clusters.values()) {
      if (c.state === 'deleted') continue;
      const nodes = store
        .nodesOf(c.cluster_id)
        .filter((n) => n.state === 'running' || n.state === 'removing')
        .map((n) => ackNodeSpec(c, n));
      out.set(c.cluster_id, { target: c.target, nodes });
    }
    return out;
  };

  const server = new SimServer({
    renderFault: (f: Fault) =>
      f.kind === 'throttle'
        ? gatewayError(
            f.status ?? 400,
            f.code ?? 'Throttling.User',
            f.message ?? 'Request was denied due to user flow control.',
          )
        : ackError(
            f.status ?? 500,
            f.code ?? (f.status === 503 ? 'ServiceUnavailable' : 'InternalError'),
            f.message ?? 'The request processing has failed due to some unknown error (simulated).',
          ),
    notFound: (req) =>
      gatewayError(
        404,
        'InvalidApi.NotFound',
        `Specified api is not found, please check your url and method: ${req.method} ${req.path}`,
      ),
    before: async (req) => {
      store.timeline.advance();
      await fleet.syncAll(wantedNodes());
      req.action = actionOf(req.method, req.path) ?? (req.headers['x-acs-action'] as string | undefined);
      const v = verifyAcs3(req, (ak) => secrets.get(ak), nonces);
      return v.ok ? undefined : gatewayError(v.status, v.code, v.message);
    },
    state: () => {
      store.timeline.advance();
      return store.snapshot();
    },
  });

  const compiled: { method: string; re: RegExp; action: string }[] = [];
  function actionOf(method: string, path: string): string | undefined {
    return compiled.find((r) => r.method === method && r.re.test(path))?.action;
  }
  function route(method: string, path: string, action: string, op: Op): void {
    compiled.push({ method, re: new RegExp('^' + path.replace(/:(\w+)/g, '[^/]+') + '/?$'), action });
    server.route(method, path, (req) => {
      try {
        return op(req);
      } catch (e) {
        if (e instanceof AckError) return ackError(e.status, e.code, e.message);
        throw e;
      }
    });
  }

  const failTask = (req: SimRequest): Failure | undefined => {
    const f = server.faults.take(req, ['fail-task']);
    return f && { code: f.code, message: f.message };
  };
  const cluster = (id: string): AckCluster => {
    const c = store.clusters.get(id);
    if (!c) throw new AckError(404, 'ErrorClusterNotFound', `The specified cluster ${id} does not exist.`);
    return c;
  };
  const pool = (c: AckCluster, id: string): AckNodePool => {
    const p = store.nodepools.get(id);
    if (!p || p.cluster_id !== c.cluster_id)
      throw new AckError(
        404,
        'ErrorNodePoolNotFound',
        `The specified node pool ${id} does not exist in cluster ${c.cluster_id}.`,
      );
    return p;
  };
  const requireState = (c: AckCluster, allowed: AckCluster['state'][], what: string) => {
    if (!allowed.includes(c.state))
      throw new AckError(
        400,
        'ErrorClusterState',
        `Cluster ${c.cluster_id} is in state ${c.state}; ${what} requires one of: ${allowed.join(', ')}.`,
      );
  };
  const requirePoolState = (p: AckNodePool, what: string) => {
    if (p.state !== 'active')
      throw new AckError(
        400,
        'ErrorNodePoolState',
        `Node pool ${p.nodepool_id} is in state ${p.state}; ${what} requires state active.`,
      );
  };
  const SERVING: AckCluster['state'][] = ['running', 'updating', 'scaling', 'removing'];

  // ---- clusters ----
  route('POST', '/clusters', 'CreateCluster', (req) => {
    const b = obj(req.body);
    const name = str(b.name);
    if (!name) throw new AckError(400, 'MissingParameter', 'The parameter name is required.');
    if (!/^[\w\u4e00-\u9fa5][\w.\-\u4e00-\u9fa5]{0,62}$/.test(name))
      throw new AckError(400, 'InvalidParameter', `The cluster name ${name} is invalid.`);
    need(b.region_id, 'region_id');
    // "You must provide a VPC when you create a cluster."
    need(b.vpcid, 'vpcid');
    // "This parameter is required for Flannel clusters" (Terway clusters name pod vSwitches instead).
    const addons = Array.isArray(b.addons) ? b.addons.map(obj) : [];
    if (!addons.some((a) => /terway/.test(String(a.name)))) need(b.container_cidr, 'container_cidr');
    const nodepools = Array.isArray(b.nodepools) ? b.nodepools.map(obj) : [];
    // "required when you create a managed cluster with zero nodes"
    if (!nodepools.length && !num(b.num_of_nodes, 'num_of_nodes')) need(b.vswitch_ids, 'vswitch_ids');
    const pools = nodepools.map((np, i) => {
      const sg = obj(np.scaling_group);
      need(obj(np.nodepool_info).name, `nodepools.${i}.nodepool_info.name`);
      needScalingGroup(sg, `nodepools.${i}.scaling_group`);
      return {
        name: str(obj(np.nodepool_info).name) || `nodepool-${i + 1}`,
        desired_size: num(sg.desired_size, 'nodepools.scaling_group.desired_size') ?? 0,
        instance_types: strs(sg.instance_types),
        vswitch_ids: strs(sg.vswitch_ids),
      };
    });
    const workers = num(b.num_of_nodes, 'num_of_nodes') ?? 0;
    if (!pools.length && workers > 0)
      pools.push({
        name: 'default-nodepool',
        desired_size: workers,
        instance_types: strs(b.worker_instance_types),
        vswitch_ids: strs(b.worker_vswitch_ids),
      });
    const tags = Array.isArray(b.tags)
      ? b.tags.map(obj).map((t) => ({ key: str(t.key) ?? '', value: str(t.value) ?? '' }))
      : undefined;
    const { cluster: c, task } = store.createCluster(
      {
        name,
        cluster_type: str(b.cluster_type),
        cluster_spec: str(b.cluster_spec),
        profile: str(b.profile),
        region_id: str(b.region_id),
        zone_id: str(b.zone_id),
        vpc_id: str(b.vpcid),
        vswitch_ids: strs(b.vswitch_ids),
        service_cidr: str(b.service_cidr),
        container_cidr: str(b.container_cidr),
        deletion_protection: bool(b.deletion_protection),
        resource_group_id: str(b.resource_group_id),
        tags,
        kubernetes_version: str(b.kubernetes_version),
        pools,
      },
      failTask(req),
    );
    return ok({ cluster_id: c.cluster_id, task_id: task.task_id });
  });

  route('GET', '/clusters/:cluster_id', 'DescribeClusterDetail', (req) => {
    const c = cluster(req.params.cluster_id);
    return ok(renderCluster(c, store.sizeOf(c.cluster_id)));
  });

  route('GET', '/api/v1/clusters', 'DescribeClustersV1', (req) => {
    const q = req.query;
    const name = q.get('name');
    const filters: [string, string | null][] = [
      'cluster_id',
      'cluster_type',
      'cluster_spec',
      'profile',
      'region_id',
    ].map((k) => [k, q.get(k)]);
    const all = [...store.clusters.values()].filter(
      (c) =>
        (!name || c.name.includes(name)) &&
        filters.every(([k, v]) => !v || (c as unknown as Record<string, string>)[k] === v),
    );
    const p = page(all, num(q.get('page_number'), 'page_number'), num(q.get('page_size'), 'page_size'));
    return ok({
      clusters: p.items.map((c) => renderCluster(c, store.sizeOf(c.cluster_id))),
      page_info: { page_number: p.page_number, page_size: p.page_size, total_count: p.total_count },
    });
  });

  route('PUT', '/api/v2/clusters/:cluster_id', 'ModifyCluster', (req) => {
    const c = cluster(req.params.cluster_id);
    requireState(c, ['initial', 'running', 'updating', 'scaling', 'removing', 'failed'], 'ModifyCluster');
    const b = obj(req.body);
    const task = store.modifyCluster(
      c,
      {
        name: str(b.cluster_name),
        deletion_protection: bool(b.deletion_protection),
        resource_group_id: str(b.resource_group_id),
      },
      failTask(req),
    );
    return ok({ cluster_id: c.cluster_id, task_id: task.task_id });
  });

  route('DELETE', '/clusters/:cluster_id', 'DeleteCluster', (req) => {
    const c = cluster(req.params.cluster_id);
    if (c.deletion_protection)
      throw new AckError(
        400,
        'ErrorClusterDeletionProtection',
        `Cluster ${c.cluster_id} has deletion protection enabled; disable it with ModifyCluster first.`,
      );
    requireState(
      c,
      ['initial', 'running', 'failed', 'delete_failed', 'updating', 'scaling', 'removing'],
      'DeleteCluster',
    );
    jsonArray(req.query.get('delete_options'), 'delete_options');
    const task = store.deleteCluster(c, failTask(req));
    return ok({ cluster_id: c.cluster_id, task_id: task.task_id });
  });

  route('GET', '/k8s/:cluster_id/user_config', 'DescribeClusterUserKubeconfig', (req) => {
    const c = cluster(req.params.cluster_id);
    requireState(c, SERVING, 'DescribeClusterUserKubeconfig');
    const minutes = num(req.query.get('TemporaryDurationMinutes'), 'TemporaryDurationMinutes');
    if (minutes !== undefined && (minutes < 15 || minutes > 4320))
      throw new AckError(400, 'InvalidParameter', 'TemporaryDurationMinutes must be between 15 and 4320.');
    const expiration = new Date(Date.now() + (minutes ?? 3 * 365 * 24 * 60) * 60_000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    return ok({ config: kubeconfigFor(c.cluster_id, c.target ?? PLACEHOLDER_TARGET), expiration });
  });

  // ---- node pools ----
  route('POST', '/clusters/:cluster_id/nodepools', 'CreateClusterNodePool', (req) => {
    const c = cluster(req.params.cluster_id);
    const b = obj(req.body);
    const info = obj(b.nodepool_info);
    const sg = obj(b.scaling_group);
    const as = obj(b.auto_scaling);
    const name = str(info.name);
    if (!name) throw new AckError(400, 'MissingParameter', 'The parameter nodepool_info.name is required.');
    needScalingGroup(sg, 'scaling_group');
    requireState(c, SERVING, 'CreateClusterNodePool');
    if (store.poolsOf(c.cluster_id).some((p) => p.name === name))
      throw new AckError(
        400,
        'ErrorNodePoolNameExists',
        `A node pool named ${name} already exists in cluster ${c.cluster_id}.`,
      );
    const desired = num(sg.desired_size, 'scaling_group.desired_size') ?? num(b.count, 'count') ?? 0;
    if (desired < 0 || desired > 1000)
      throw new AckError(400, 'InvalidParameter', 'scaling_group.desired_size must be between 0 and 1000.');
    const { pool: p, task } = store.createNodePool(
      c,
      {
        name,
        desired_size: desired,
        instance_types: strs(sg.instance_types),
        vswitch_ids: strs(sg.vswitch_ids),
        auto_scaling: {
          enable: bool(as.enable) ?? false,
          min_instances: num(as.min_instances, 'auto_scaling.min_instances') ?? 0,
          max_instances: num(as.max_instances, 'auto_scaling.max_instances') ?? 0,
        },
      },
      failTask(req),
    );
    return ok({ nodepool_id: p.nodepool_id, task_id: task.task_id });
  });

  route('GET', '/clusters/:cluster_id/nodepools', 'DescribeClusterNodePools', (req) => {
    const c = cluster(req.params.cluster_id);
    const name = req.query.get('NodepoolName');
    const pools = store.poolsOf(c.cluster_id).filter((p) => !name || p.name === name);
    return ok({
      nodepools: pools.map((p) => renderPool(p, store.nodesOf(c.cluster_id, p.nodepool_id), c.region_id)),
    });
  });

  route('GET', '/clusters/:cluster_id/nodepools/:nodepool_id', 'DescribeClusterNodePoolDetail', (req) => {
    const c = cluster(req.params.cluster_id);
    const p = pool(c, req.params.nodepool_id);
    return ok(renderPool(p, store.nodesOf(c.cluster_id, p.nodepool_id), c.region_id));
  });

  route('POST', '/clusters/:cluster_id/nodepools/:nodepool_id', 'ScaleClusterNodePool', (req) => {
    const c = cluster(req.params.cluster_id);
    requireState(c, SERVING, 'ScaleClusterNodePool');
    const p = pool(c, req.params.nodepool_id);
    requirePoolState(p, 'ScaleClusterNodePool');
    const count = num(obj(req.body).count, 'count');
    if (!count || count < 1 || count > 500)
      throw new AckError(
        400,
        'InvalidParameter',
        'The parameter count (nodes to add) must be between 1 and 500.',
      );
    const task = store.resizeNodePool(p, count, 'nodepool_scaleout', failTask(req));
    return ok({ task_id: task.task_id });
  });

  route('PUT', '/clusters/:cluster_id/nodepools/:nodepool_id', 'ModifyClusterNodePool', (req) => {
    const c = cluster(req.params.cluster_id);
    requireState(c, SERVING, 'ModifyClusterNodePool');
    const p = pool(c, req.params.nodepool_id);
    requirePoolState(p, 'ModifyClusterNodePool');
    const b = obj(req.body);
    const sg = obj(b.scaling_group);
    const as = obj(b.auto_scaling);
    const desired = num(sg.desired_size, 'scaling_group.desired_size');
    if (desired !== undefined && (desired < 0 || desired > 1000))
      throw new AckError(400, 'InvalidParameter', 'scaling_group.desired_size must be between 0 and 1000.');
    const name = str(obj(b.nodepool_info).name);
    const failure = failTask(req);
    const current = store.nodesOf(c.cluster_id, p.nodepool_id).filter((n) => n.state !== 'removing').length;
    const auto_scaling = Object.keys(as).length
      ? {
          enable: bool(as.enable),
          min_instances: num(as.min_instances, 'auto_scaling.min_instances'),
          max_instances: num(as.max_instances, 'auto_scaling.max_instances'),
        }
      : undefined;
    const change = {
      name,
      instance_types: strs(sg.instance_types),
      auto_scaling:
        auto_scaling && Object.fromEntries(Object.entries(auto_scaling).filter(([, v]) => v !== undefined)),
    };
    let task;
    if (desired !== undefined && desired !== current) {
      if (!failure) {
        if (name) p.name = name;
        if (change.auto_scaling) p.auto_scaling = { ...p.auto_scaling, ...change.auto_scaling };
      }
      task = store.resizeNodePool(
        p,
        desired - current,
        desired > current ? 'nodepool_scaleout' : 'nodepool_scalein',
        failure,
      );
      if (!failure) p.desired_size = desired;
    } else {
      task = store.updateNodePool(p, change, failure);
    }
    return ok({ nodepool_id: p.nodepool_id, task_id: task.task_id });
  });

  route('DELETE', '/clusters/:cluster_id/nodepools/:nodepool_id', 'DeleteClusterNodepool', (req) => {
    const c = cluster(req.params.cluster_id);
    requireState(c, SERVING, 'DeleteClusterNodepool');
    const p = pool(c, req.params.nodepool_id);
    if (p.state === 'deleting')
      throw new AckError(400, 'ErrorNodePoolState', `Node pool ${p.nodepool_id} is already being deleted.`);
    const nodes = store.nodesOf(c.cluster_id, p.nodepool_id).filter((n) => n.state !== 'removing');
    if (nodes.length && bool(req.query.get('force')) !== true)
      throw new AckError(
        400,
        'ErrorNodePoolNotEmpty',
        `Node pool ${p.nodepool_id} still has ${nodes.length} node(s); remove them first or delete with force=true.`,
      );
    const task = store.deleteNodePool(p, failTask(req));
    return ok({ task_id: task.task_id });
  });

  route('GET', '/clusters/:cluster_id/nodes', 'DescribeClusterNodes', (req) => {
    const c = cluster(req.params.cluster_id);
    const q = req.query;
    const nodepoolId = q.get('nodepool_id');
    const state = q.get('state');
    const ids = q.get('instanceIds')?.split(',').filter(Boolean);
    const names = q.get('nodeNames')?.split(',').filter(Boolean);
    const nodes = store
      .nodesOf(c.cluster_id, nodepoolId ?? undefined)
      .filter(
        (n) =>
          (!state || state === 'all' || n.state === state) &&
          (!ids?.length || ids.includes(n.instance_id)) &&
          (!names?.length || names.includes(n.node_name)),
      );
    const p = page(nodes, num(q.get('pageNumber'), 'pageNumber'), num(q.get('pageSize'), 'pageSize'));
    return ok({
      nodes: p.items.map(renderNode),
      page: { page_number: p.page_number, page_size: p.page_size, total_count: p.total_count },
    });
  });

  route('DELETE', '/clusters/:cluster_id/nodepools/:nodepool_id/nodes', 'RemoveNodePoolNodes', (req) => {
    const c = cluster(req.params.cluster_id);
    requireState(c, SERVING, 'RemoveNodePoolNodes');
    const p = pool(c, req.params.nodepool_id);
    requirePoolState(p, 'RemoveNodePoolNodes');
    const ids = jsonArray(req.query.get('instance_ids'), 'instance_ids') ?? [];
    const names = jsonArray(req.query.get('nodes'), 'nodes') ?? [];
    if (!ids.length && !names.length)
      throw new AckError(400, 'MissingParameter', 'One of instance_ids or nodes is required.');
    const inPool = store.nodesOf(c.cluster_id, p.nodepool_id);
    const victims = [
      ...ids.map((id) => [id, inPool.find((n) => n.instance_id === id)] as const),
      ...names.map((nm) => [nm, inPool.find((n) => n.node_name === nm)] as const),
    ];
    const missing = victims.filter(([, n]) => !n).map(([id]) => id);
    if (missing.length)
      throw new AckError(
        400,
        'ErrorNodeNotFound',
        `Node(s) ${missing.join(', ')} not found in node pool ${p.nodepool_id}.`,
      );
    const unique = [...new Set(victims.map(([, n]) => n!))];
    if (unique.some((n) => n.state === 'removing'))
      throw new AckError(400, 'ErrorNodeState', 'Some of the nodes are already being removed.');
    const task = store.removeNodes(p, unique, 'nodepool_remove_nodes', failTask(req));
    return ok({ task_id: task.task_id });
  });

  // ---- tasks ----
  route('GET', '/tasks/:task_id', 'DescribeTaskInfo', (req) => {
    const t = store.tasks.get(req.params.task_id);
    if (!t)
      throw new AckError(
        404,
        'ErrorTaskNotFound',
        `The specified task ${req.params.task_id} does not exist.`,
      );
    return ok({
      task_id: t.task_id,
      cluster_id: t.cluster_id,
      task_type: t.task_type,
      state: t.state,
      created: t.created,
      updated: t.updated,
      current_stage: t.state === 'running' ? 'Running' : '',
      target: t.target,
      ...(t.error ? { error: t.error } : {}),
      stages: [
        {
          state: t.state,
          start_time: t.created,
          end_time: t.state === 'running' ? '' : t.updated,
          message: t.error?.message ?? '',
        },
      ],
      events: [],
      task_result: t.instances.map((data) => ({
        data,
        status: t.state === 'success' ? 'success' : t.state === 'fail' ? 'failed' : 'running',
      })),
    });
  });

  const url = await server.listen(opts.port ?? 0);
  return {
    vendor: 'ack',
    url,
    credential: {
      settings: { region_id: ACK_REGION, endpoint: url },
      secrets: { access_key_id: accessKeyId, access_key_secret: accessKeySecret },
    },
    server,
    addFault: (f) => server.faults.add(f),
    clearFaults: () => server.faults.clear(),
    close: async () => {
      await fleet.close();
      await server.close();
    },
  };
}

/**
 * An ACK worker as its kubelet and ACK's cloud controller register it: node name `<region>.<ip>`,
 * providerID `<region>.<instance id>`, the node pool id and instance type as labels.
 */
export function ackNodeSpec(c: AckCluster, n: AckNode): KwokNodeSpec {
  return {
    name: n.node_name,
    providerID: `${c.region_id}.${n.instance_id}`,
    ip: n.ip,
    labels: {
      'alibabacloud.com/nodepool-id': n.nodepool_id,
      'node.kubernetes.io/instance-type': n.instance_type,
      'topology.kubernetes.io/region': c.region_id,
      'topology.kubernetes.io/zone': c.zone_id,
    },
  };
}
