// Tencent Cloud TKE (API 2018-05-25) simulator: the actions Berth uses, answered the way TKE answers them,
// for the official tencentcloud-sdk-nodejs-tke SDK.
//
// - Every call is `POST /` with a JSON body and X-TC-Action / X-TC-Version / X-TC-Region / X-TC-Timestamp,
//   signed TC3-HMAC-SHA256 (see signature.ts). Answers are HTTP 200 {"Response": {..., "RequestId"}};
//   errors are HTTP 200 {"Response": {"Error": {"Code", "Message"}, "RequestId"}} (only an injected `error`
//   fault with an explicit non-200 status changes the HTTP status — then the SDK loses the code).
// - Clusters are scoped to the X-TC-Region they were created in. States move over simulated time
//   (TKE_DELAYS × timeScale); there are no task ids, clients poll. DescribeTasks lists what happened,
//   with LastError for failures.
// - A running cluster's kubeconfig points at one of `opts.targets` (the testbed's clusters by default);
//   with no targets it points at the placeholder https://127.0.0.1:1 (nothing listens there).
import { randomBytes, randomUUID } from 'node:crypto';
import { kubeconfigFor, testbedTargets, type KubeTarget } from '../common/kube-targets.js';
import { KwokFleet, type KwokNodeSpec } from '../common/kwok-nodes.js';
import { SimServer, type Fault, type SimRequest, type SimResponse } from '../common/sim-server.js';
import type { RunningSimulator, SimulatorOptions } from '../common/types.js';
import { verifyTc3 } from './signature.js';
import { TkeStore, type TkeCluster, type TkeInstance, type TkeNodePool } from './store.js';

export const TKE_REGION = 'ap-guangzhou';
export const TKE_VERSION = '2018-05-25';
export const PLACEHOLDER_TARGET: KubeTarget = {
  name: 'placeholder',
  server: 'https://127.0.0.1:1',
  token: 'tke-sim-placeholder',
  ca_data: '',
};

type Obj = Record<string, unknown>;
interface Ctx {
  region: string;
  params: Obj;
  req: SimRequest;
}
type Action = (ctx: Ctx) => Obj;

class TkeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function respond(payload: Obj, status = 200): SimResponse {
  return { status, body: { Response: { ...payload, RequestId: randomUUID() } } };
}
const tkeError = (code: string, message: string, status = 200) =>
  respond({ Error: { Code: code, Message: message } }, status);

// ---- parameter helpers (TKE params are PascalCase JSON; nested JSON-string params are parsed here) ----

const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
function required(p: Obj, name: string): unknown {
  const v = p[name];
  if (v === undefined || v === null || v === '')
    throw new TkeError('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
  return v;
}
function str(p: Obj, name: string, need = false): string | undefined {
  const v = need ? required(p, name) : p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new TkeError(
      'InvalidParameter',
      `The value type of parameter \`${name}\` is not valid: expected a string.`,
    );
  return v;
}
function int(p: Obj, name: string, need = false): number | undefined {
  const v = need ? required(p, name) : p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new TkeError(
      'InvalidParameter',
      `The value type of parameter \`${name}\` is not valid: expected an integer.`,
    );
  return v;
}
function bool(p: Obj, name: string, need = false): boolean | undefined {
  const v = need ? required(p, name) : p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean')
    throw new TkeError(
      'InvalidParameter',
      `The value type of parameter \`${name}\` is not valid: expected a boolean.`,
    );
  return v;
}
function strList(p: Obj, name: string, need = false): string[] | undefined {
  const v = need ? required(p, name) : p[name];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new TkeError(
      'InvalidParameter',
      `The value type of parameter \`${name}\` is not valid: expected an array of strings.`,
    );
  if (need && !v.length)
    throw new TkeError('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
  return v as string[];
}
function jsonParam(p: Obj, name: string): Obj {
  const raw = str(p, name, true)!;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Obj;
  } catch {}
  throw new TkeError('InvalidParameter', `Parameter \`${name}\` must be a JSON object string.`);
}
function filters(p: Obj, key = 'Filters'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const list = p[key];
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list))
    throw new TkeError('InvalidParameter', `${key} must be an array of {Name, Values}.`);
  for (const f of list.map(obj)) {
    if (typeof f.Name !== 'string' || !Array.isArray(f.Values))
      throw new TkeError('InvalidParameter', 'Each filter needs Name and Values.');
    out.set(f.Name, f.Values.map(String));
  }
  return out;
}
function paging(p: Obj, defaultLimit = 20): { offset: number; limit: number } {
  const offset = int(p, 'Offset') ?? 0;
  const limit = int(p, 'Limit') ?? defaultLimit;
  if (offset < 0) throw new TkeError('InvalidParameterValue', 'Offset must be >= 0.');
  if (limit < 1 || limit > 100)
    throw new TkeError('InvalidParameterValue', 'Limit must be between 1 and 100.');
  return { offset, limit };
}

// ---- rendering --------------------------------------------------------------------------------------

function renderInstance(i: TkeInstance, pool?: TkeNodePool): Obj {
  return {
    InstanceId: i.InstanceId,
    InstanceRole: 'WORKER',
    FailedReason: i.FailedReason,
    InstanceState: i.InstanceState,
    DrainStatus: '',
    CreatedTime: i.CreatedTime,
    LanIP: i.LanIP,
    NodePoolId: i.NodePoolId,
    AutoscalingGroupId: pool?.AutoscalingGroupId ?? '',
    InstanceAdvancedSettings: {
      MountTarget: '',
      DockerGraphPath: '/var/lib/containerd',
      Unschedulable: 0,
      Labels: pool?.Labels ?? [],
      Taints: pool?.Taints ?? [],
    },
  };
}

// ---- the simulator ----------------------------------------------------------------------------------

export async function startTkeSimulator(opts: SimulatorOptions = {}): Promise<RunningSimulator> {
  const store = new TkeStore(opts.targets ?? testbedTargets(), opts.timeScale ?? 1);
  const secretId = `AKID${randomBytes(16).toString('hex')}`;
  const secretKey = randomBytes(16).toString('hex');
  const secrets = new Map([[secretId, secretKey]]);
  const actions = new Map<string, Action>();
  // Running instances are kwok nodes in the cluster's testbed target, named and labelled as TKE does.
  const fleet = new KwokFleet('tke');
  const wantedNodes = () => {
    const out = new Map<string, { target?: KubeTarget; nodes: KwokNodeSpec[] }>();
    for (const c of store.clusters.values()) {
      const nodes = store
        .instancesOf(c.ClusterId)
        .filter((i) => i.InstanceState === 'running')
        .map((i) => tkeNodeSpec(i, store.nodepools.get(i.NodePoolId)));
      out.set(c.ClusterId, { target: c.target, nodes });
    }
    return out;
  };

  const server = new SimServer({
    renderFault: (f: Fault) =>
      f.kind === 'throttle'
        ? tkeError(
            f.code ?? 'RequestLimitExceeded',
            f.message ??
              'Your current request times equals to `21` in a second, which exceeds the frequency limit `20` for a second. Please reduce the frequency of calls.',
            f.status ?? 200,
          )
        : tkeError(
            f.code ?? 'InternalError',
            f.message ?? 'An internal error occurred (simulated).',
            f.status ?? 200,
          ),
    notFound: (req) =>
      tkeError(
        'InvalidAction',
        `The requested action \`${req.action ?? ''}\` does not exist (${req.method} ${req.path}: every TKE call is POST /).`,
        404,
      ),
    before: async (req) => {
      store.timeline.advance();
      await fleet.syncAll(wantedNodes());
      req.action = String(req.headers['x-tc-action'] ?? '');
      const v = verifyTc3(
        {
          method: req.method,
          path: req.path,
          rawQuery: req.query.toString(),
          headers: req.headers,
          rawBody: req.rawBody,
        },
        (id) => secrets.get(id),
      );
      return v.ok ? undefined : tkeError(v.code, v.message);
    },
    state: () => {
      store.timeline.advance();
      return store.snapshot();
    },
  });

  server.route('POST', '/', (req) => {
    const action = req.action ?? '';
    const handler = actions.get(action);
    if (!handler) return tkeError('InvalidAction', `The requested action \`${action}\` does not exist.`);
    const version = String(req.headers['x-tc-version'] ?? '');
    if (version !== TKE_VERSION)
      return tkeError(
        'NoSuchVersion',
        `The requested version \`${version}\` of action \`${action}\` does not exist.`,
      );
    const region = String(req.headers['x-tc-region'] ?? '');
    if (!region) return tkeError('MissingParameter', 'The request is missing a required parameter `Region`.');
    if (req.body === undefined && req.rawBody.length)
      return tkeError('InvalidParameter', 'The request body is not valid JSON.');
    try {
      return respond(handler({ region, params: obj(req.body), req }));
    } catch (e) {
      if (e instanceof TkeError) return tkeError(e.code, e.message);
      throw e;
    }
  });

  const failTask = (req: SimRequest): string | undefined => {
    const f = server.faults.take(req, ['fail-task']);
    return f && (f.message ?? `${req.action} failed (simulated${f.code ? `: ${f.code}` : ''})`);
  };
  const cluster = (ctx: Ctx): TkeCluster => {
    const id = str(ctx.params, 'ClusterId', true)!;
    const c = store.clusters.get(id);
    if (!c || c.Region !== ctx.region)
      throw new TkeError(
        'ResourceNotFound.ClusterNotFound',
        `Cluster ${id} does not exist in region ${ctx.region}.`,
      );
    return c;
  };
  const requireRunning = (c: TkeCluster, action: string) => {
    const s = store.statusOf(c);
    if (s !== 'Running' && s !== 'Scaling')
      throw new TkeError(
        'ResourceUnavailable.ClusterState',
        `Cluster ${c.ClusterId} is ${s}; ${action} needs it Running.`,
      );
  };
  const pool = (c: TkeCluster, id: string): TkeNodePool => {
    const p = store.nodepools.get(id);
    if (!p || p.ClusterId !== c.ClusterId)
      throw new TkeError(
        'ResourceNotFound.NodePoolNotFound',
        `Node pool ${id} does not exist in cluster ${c.ClusterId}.`,
      );
    return p;
  };
  const renderCluster = (c: TkeCluster): Obj => ({
    ClusterId: c.ClusterId,
    ClusterName: c.ClusterName,
    ClusterDescription: c.ClusterDescription,
    ClusterVersion: c.ClusterVersion,
    ClusterOs: c.ClusterOs,
    ClusterType: c.ClusterType,
    ClusterNetworkSettings: {
      ClusterCIDR: c.ClusterCIDR,
      ServiceCIDR: c.ServiceCIDR,
      VpcId: c.VpcId,
      MaxNodePodNum: c.MaxNodePodNum,
      MaxClusterServiceNum: c.MaxClusterServiceNum,
      IgnoreClusterCIDRConflict: false,
      Ipvs: true,
      Cni: false,
      KubeProxyMode: 'ipvs',
      IsDualStack: false,
    },
    ClusterNodeNum: store.instancesOf(c.ClusterId).length,
    ProjectId: c.ProjectId,
    TagSpecification: [{ ResourceType: 'cluster', Tags: c.Tags }],
    ClusterStatus: store.statusOf(c),
    Property: JSON.stringify({ NodeNameType: 'lan-ip' }),
    ClusterMaterNodeNum: 0,
    ImageId: 'img-eb30mz89',
    OsCustomizeType: 'GENERAL',
    ContainerRuntime: 'containerd',
    CreatedTime: c.CreatedTime,
    DeletionProtection: c.DeletionProtection,
    EnableExternalNode: false,
    ClusterLevel: 'L5',
    AutoUpgradeClusterLevel: false,
    QGPUShareEnable: false,
    RuntimeVersion: '1.6.9',
    ClusterEtcdNodeNum: 0,
    IsHighAvailability: true,
  });
  const renderPool = (p: TkeNodePool): Obj => {
    const ins = store.instancesOf(p.ClusterId, p.NodePoolId);
    const n = (s: TkeInstance['InstanceState']) => ins.filter((i) => i.InstanceState === s).length;
    return {
      NodePoolId: p.NodePoolId,
      Name: p.Name,
      ClusterInstanceId: p.ClusterId,
      LifeState: p.LifeState,
      LaunchConfigurationId: p.LaunchConfigurationId,
      AutoscalingGroupId: p.AutoscalingGroupId,
      Labels: p.Labels,
      Taints: p.Taints,
      Annotations: [],
      NodeCountSummary: {
        ManuallyAdded: { Joining: 0, Initializing: 0, Normal: 0, Total: 0 },
        AutoscalingAdded: {
          Joining: 0,
          Initializing: n('initializing'),
          Normal: n('running'),
          Total: ins.length,
        },
      },
      AutoscalingGroupStatus: 'enabled',
      MaxNodesNum: p.MaxNodesNum,
      MinNodesNum: p.MinNodesNum,
      DesiredNodesNum: p.DesiredNodesNum,
      RuntimeConfig: { RuntimeType: 'containerd', RuntimeVersion: '1.6.9' },
      NodePoolOs: 'tlinux3.1x86_64',
      OsCustomizeType: 'GENERAL',
      ImageId: 'img-eb30mz89',
      DesiredPodNum: 0,
      UserScript: '',
      Tags: [],
      DeletionProtection: false,
    };
  };

  // ---- clusters ----
  actions.set('CreateCluster', ({ region, params, req }) => {
    const type = str(params, 'ClusterType', true)!;
    if (type !== 'MANAGED_CLUSTER' && type !== 'INDEPENDENT_CLUSTER')
      throw new TkeError(
        'InvalidParameter',
        `ClusterType must be MANAGED_CLUSTER or INDEPENDENT_CLUSTER, not ${type}.`,
      );
    const cidr = obj(required(params, 'ClusterCIDRSettings'));
    const basic = obj(params.ClusterBasicSettings);
    const workers = (Array.isArray(params.RunInstancesForNode) ? params.RunInstancesForNode.map(obj) : [])
      .filter((r) => (r.NodeRole ?? 'WORKER') === 'WORKER')
      .flatMap((r) => (Array.isArray(r.RunInstancesPara) ? r.RunInstancesPara : []))
      .reduce<number>((sum, para) => {
        try {
          return sum + Number(obj(JSON.parse(String(para))).InstanceCount ?? 1);
        } catch {
          throw new TkeError(
            'InvalidParameter',
            'RunInstancesPara entries must be JSON strings of a CVM RunInstances request.',
          );
        }
      }, 0);
    const tags = (Array.isArray(basic.TagSpecification) ? basic.TagSpecification.map(obj) : [])
      .flatMap((t) => (Array.isArray(t.Tags) ? t.Tags.map(obj) : []))
      .map((t) => ({ Key: String(t.Key ?? ''), Value: String(t.Value ?? '') }));
    const c = store.createCluster(
      {
        ClusterName: str(basic, 'ClusterName') ?? '',
        ClusterDescription: str(basic, 'ClusterDescription') ?? '',
        ClusterVersion: str(basic, 'ClusterVersion') ?? '1.30.0',
        ClusterOs: str(basic, 'ClusterOs') ?? 'tlinux3.1x86_64',
        ClusterType: type,
        Region: region,
        VpcId: str(basic, 'VpcId') ?? `vpc-${randomBytes(4).toString('hex')}`,
        ClusterCIDR: str(cidr, 'ClusterCIDR') ?? '',
        ServiceCIDR: str(cidr, 'ServiceCIDR') ?? '',
        MaxNodePodNum: int(cidr, 'MaxNodePodNum') ?? 64,
        MaxClusterServiceNum: int(cidr, 'MaxClusterServiceNum') ?? 256,
        ProjectId: int(basic, 'ProjectId') ?? 0,
        DeletionProtection: false,
        Tags: tags,
        workers,
      },
      failTask(req),
    );
    return { ClusterId: c.ClusterId };
  });

  actions.set('DescribeClusters', ({ region, params }) => {
    const ids = strList(params, 'ClusterIds');
    const type = str(params, 'ClusterType');
    const f = filters(params);
    const { offset, limit } = paging(params);
    const match = (values: string[] | undefined, v: string) => !values || values.includes(v);
    const all = [...store.clusters.values()].filter(
      (c) =>
        c.Region === region &&
        (!ids?.length || ids.includes(c.ClusterId)) &&
        (!type || c.ClusterType === type) &&
        match(f.get('ClusterName'), c.ClusterName) &&
        match(f.get('ClusterType'), c.ClusterType) &&
        match(f.get('ClusterStatus'), store.statusOf(c)) &&
        match(f.get('vpc-id'), c.VpcId) &&
        (!f.get('tag-key') || c.Tags.some((t) => f.get('tag-key')!.includes(t.Key))) &&
        (!f.get('tag-value') || c.Tags.some((t) => f.get('tag-value')!.includes(t.Value))) &&
        (!f.get('Tags') || c.Tags.some((t) => f.get('Tags')!.includes(`${t.Key}:${t.Value}`))),
    );
    return { TotalCount: all.length, Clusters: all.slice(offset, offset + limit).map(renderCluster) };
  });

  actions.set('DescribeClusterStatus', ({ region, params }) => {
    const ids = strList(params, 'ClusterIds');
    const all = [...store.clusters.values()].filter(
      (c) => c.Region === region && (!ids?.length || ids.includes(c.ClusterId)),
    );
    return {
      TotalCount: all.length,
      ClusterStatusSet: all.map((c) => {
        const ins = store.instancesOf(c.ClusterId);
        const failed = ins.filter((i) => i.InstanceState === 'failed').length;
        return {
          ClusterId: c.ClusterId,
          ClusterState: store.statusOf(c),
          ClusterInstanceState: !failed
            ? 'AllNormal'
            : failed === ins.length
              ? 'AllAbnormal'
              : 'PartialAbnormal',
          ClusterBMonitor: false,
          ClusterInitNodeNum: ins.filter((i) => i.InstanceState === 'initializing').length,
          ClusterRunningNodeNum: ins.filter((i) => i.InstanceState === 'running').length,
          ClusterFailedNodeNum: failed,
          ClusterClosedNodeNum: 0,
          ClusterClosingNodeNum: 0,
          ClusterDeletionProtection: c.DeletionProtection,
          ClusterAuditEnabled: false,
        };
      }),
    };
  });

  actions.set('ModifyClusterAttribute', (ctx) => {
    const c = cluster(ctx);
    if (c.Status === 'Deleting')
      throw new TkeError('ResourceUnavailable.ClusterState', `Cluster ${c.ClusterId} is Deleting.`);
    const name = str(ctx.params, 'ClusterName');
    const desc = str(ctx.params, 'ClusterDesc');
    const project = int(ctx.params, 'ProjectId');
    if (name !== undefined) {
      if (!name || name.length > 60)
        throw new TkeError('InvalidParameter', 'ClusterName must be 1 to 60 characters.');
      c.ClusterName = name;
    }
    if (desc !== undefined) c.ClusterDescription = desc;
    if (project !== undefined) c.ProjectId = project;
    return {
      ProjectId: c.ProjectId,
      ClusterName: c.ClusterName,
      ClusterDesc: c.ClusterDescription,
      ClusterLevel: 'L5',
      AutoUpgradeClusterLevel: { IsAutoUpgrade: false },
      QGPUShareEnable: false,
      IsHighAvailability: true,
    };
  });

  // Not in Berth's list, but the natural switch for the OperationDenied.ClusterInDeletionProtection path.
  actions.set('EnableClusterDeletionProtection', (ctx) => ((cluster(ctx).DeletionProtection = true), {}));
  actions.set('DisableClusterDeletionProtection', (ctx) => ((cluster(ctx).DeletionProtection = false), {}));

  actions.set('DeleteCluster', (ctx) => {
    const c = cluster(ctx);
    const mode = str(ctx.params, 'InstanceDeleteMode', true)!;
    if (mode !== 'terminate' && mode !== 'retain')
      throw new TkeError('InvalidParameter', 'InstanceDeleteMode must be terminate or retain.');
    if (c.DeletionProtection)
      throw new TkeError(
        'OperationDenied.ClusterInDeletionProtection',
        `Cluster ${c.ClusterId} has deletion protection enabled.`,
      );
    if (c.Status === 'Deleting')
      throw new TkeError('ResourceUnavailable.ClusterState', `Cluster ${c.ClusterId} is already Deleting.`);
    store.deleteCluster(c, failTask(ctx.req));
    return {};
  });

  // Without an enabled endpoint of the asked kind the kubeconfig names the cluster's default domain,
  // which resolves nowhere outside TKE (the SDK documents this); with one it names the endpoint.
  actions.set('DescribeClusterKubeconfig', (ctx) => {
    const c = cluster(ctx);
    requireRunning(c, 'DescribeClusterKubeconfig');
    const extranet = bool(ctx.params, 'IsExtranet') ?? false;
    const e = c.endpoints[extranet ? 'extranet' : 'intranet'];
    const target =
      e?.Status === 'Created'
        ? (c.target ?? PLACEHOLDER_TARGET)
        : { ...(c.target ?? PLACEHOLDER_TARGET), server: `https://${c.ClusterId}.ccs.tencent-cloud.com` };
    return { Kubeconfig: kubeconfigFor(c.ClusterId, target) };
  });

  actions.set('CreateClusterEndpoint', (ctx) => {
    const c = cluster(ctx);
    requireRunning(c, 'CreateClusterEndpoint');
    const extranet = bool(ctx.params, 'IsExtranet') ?? false;
    const subnet = str(ctx.params, 'SubnetId');
    const sg = str(ctx.params, 'SecurityGroup');
    // SubnetId: "only needed for non-extranet access; must be a subnet of the cluster's VPC" (SDK model).
    if (!extranet && !subnet)
      throw new TkeError('MissingParameter', 'The request is missing a required parameter `SubnetId`.');
    const kind = extranet ? 'extranet' : 'intranet';
    const existing = c.endpoints[kind];
    if (existing && existing.Status !== 'CreateFailed')
      throw new TkeError(
        'FailedOperation.ClusterState',
        `Cluster ${c.ClusterId} already has an ${kind} endpoint.`,
      );
    store.createEndpoint(c, extranet, { SubnetId: subnet, SecurityGroup: sg }, failTask(ctx.req));
    return {};
  });

  actions.set('DescribeClusterEndpointStatus', (ctx) => {
    const c = cluster(ctx);
    const e = c.endpoints[bool(ctx.params, 'IsExtranet') ? 'extranet' : 'intranet'];
    return { Status: e?.Status ?? 'NotFound', ErrorMsg: e?.ErrorMsg ?? '' };
  });

  actions.set('DescribeClusterEndpoints', (ctx) => {
    const c = cluster(ctx);
    const server = c.target?.server ?? PLACEHOLDER_TARGET.server;
    const host = new URL(server).host;
    const created = (k: 'intranet' | 'extranet') => c.endpoints[k]?.Status === 'Created';
    return {
      CertificationAuthority: c.target?.ca_data
        ? Buffer.from(c.target.ca_data, 'base64').toString('utf8')
        : '',
      ClusterExternalEndpoint: created('extranet') ? host : '',
      ClusterIntranetEndpoint: created('intranet') ? host : '',
      ClusterDomain: `${c.ClusterId}.ccs.tencent-cloud.com`,
      ClusterExternalACL: [],
      ClusterExternalDomain: '',
      ClusterIntranetDomain: '',
      SecurityGroup: c.endpoints.extranet?.SecurityGroup ?? '',
      ClusterIntranetSubnetId: c.endpoints.intranet?.SubnetId ?? '',
      IntranetSecurityGroup: c.endpoints.intranet?.SecurityGroup ?? '',
    };
  });

  actions.set('DescribeTasks', ({ params }) => {
    const f = filters(params, 'Filter'); // DescribeTasks spells it Filter, not Filters
    const ids = f.get('ClusterId');
    const types = f.get('TaskType');
    // "supports ClusterId and TaskType, of which the task type must be passed" (SDK model).
    if (!types?.length)
      throw new TkeError('MissingParameter', 'The request is missing a required filter `TaskType`.');
    const list = store.tasks.filter(
      (t) => (!ids || ids.includes(t.ClusterID)) && (!types || types.includes(t.TaskType)),
    );
    return { Tasks: bool(params, 'Latest') ? list.slice(-1) : list };
  });

  // ---- node pools ----
  actions.set('CreateClusterNodePool', (ctx) => {
    const c = cluster(ctx);
    requireRunning(c, 'CreateClusterNodePool');
    const asg = jsonParam(ctx.params, 'AutoScalingGroupPara');
    const lc = jsonParam(ctx.params, 'LaunchConfigurePara');
    const autoscale = bool(ctx.params, 'EnableAutoscale', true)!;
    // InstanceAdvancedSettings is a required member of CreateClusterNodePoolRequest (SDK model).
    if (!ctx.params.InstanceAdvancedSettings || typeof ctx.params.InstanceAdvancedSettings !== 'object')
      throw new TkeError(
        'MissingParameter',
        'The request is missing a required parameter `InstanceAdvancedSettings`.',
      );
    const max = int(asg, 'MaxSize', true)!;
    const min = int(asg, 'MinSize', true)!;
    // An auto-scaling group lives in a VPC and its subnets (AS CreateAutoScalingGroup: VpcId, SubnetIds).
    const vpc = str(asg, 'VpcId', true)!;
    if (vpc !== c.VpcId)
      throw new TkeError(
        'InvalidParameter',
        `AutoScalingGroupPara.VpcId ${vpc} is not the cluster's VPC ${c.VpcId}.`,
      );
    strList(asg, 'SubnetIds', true);
    str(lc, 'InstanceType', true);
    const desired = int(asg, 'DesiredCapacity') ?? min;
    if (min < 0 || max < min || desired < min || desired > max)
      throw new TkeError(
        'InvalidParameter',
        `AutoScalingGroupPara needs 0 <= MinSize <= DesiredCapacity <= MaxSize (got ${min}/${desired}/${max}).`,
      );
    const name = str(ctx.params, 'Name') ?? '';
    if (name && store.poolsOf(c.ClusterId).some((p) => p.Name === name))
      throw new TkeError(
        'InvalidParameter',
        `Node pool name ${name} is already used in cluster ${c.ClusterId}.`,
      );
    const labels = (Array.isArray(ctx.params.Labels) ? ctx.params.Labels.map(obj) : []).map((l) => ({
      Name: String(l.Name ?? ''),
      Value: String(l.Value ?? ''),
    }));
    const taints = (Array.isArray(ctx.params.Taints) ? ctx.params.Taints.map(obj) : []).map((t) => ({
      Key: String(t.Key ?? ''),
      Value: String(t.Value ?? ''),
      Effect: String(t.Effect ?? ''),
    }));
    const p = store.createNodePool(
      c,
      {
        Name: name,
        MinNodesNum: min,
        MaxNodesNum: max,
        DesiredNodesNum: desired,
        InstanceType: String(lc.InstanceType ?? 'S5.MEDIUM4'),
        EnableAutoscale: autoscale,
        Labels: labels,
        Taints: taints,
      },
      failTask(ctx.req),
    );
    return { NodePoolId: p.NodePoolId };
  });

  actions.set('DescribeClusterNodePools', (ctx) => {
    const c = cluster(ctx);
    const f = filters(ctx.params);
    const pools = store
      .poolsOf(c.ClusterId)
      .filter(
        (p) =>
          (!f.get('NodePoolsName') || f.get('NodePoolsName')!.includes(p.Name)) &&
          (!f.get('NodePoolsId') || f.get('NodePoolsId')!.includes(p.NodePoolId)),
      );
    return { TotalCount: pools.length, NodePoolSet: pools.map(renderPool) };
  });

  actions.set('DescribeClusterNodePoolDetail', (ctx) => {
    const c = cluster(ctx);
    return { NodePool: renderPool(pool(c, str(ctx.params, 'NodePoolId', true)!)) };
  });

  actions.set('ModifyNodePoolDesiredCapacityAboutAsg', (ctx) => {
    const c = cluster(ctx);
    requireRunning(c, 'ModifyNodePoolDesiredCapacityAboutAsg');
    const p = pool(c, str(ctx.params, 'NodePoolId', true)!);
    const desired = int(ctx.params, 'DesiredCapacity', true)!;
    if (desired < p.MinNodesNum || desired > p.MaxNodesNum)
      throw new TkeError(
        'InvalidParameter',
        `DesiredCapacity ${desired} is outside [MinNodesNum ${p.MinNodesNum}, MaxNodesNum ${p.MaxNodesNum}].`,
      );
    if (p.LifeState !== 'normal')
      throw new TkeError(
        'ResourceUnavailable.NodePoolStateNotNormal',
        `Node pool ${p.NodePoolId} is ${p.LifeState}, not normal.`,
      );
    store.setDesired(c, p, desired, failTask(ctx.req));
    return {};
  });

  actions.set('DeleteClusterNodePool', (ctx) => {
    const c = cluster(ctx);
    const ids = strList(ctx.params, 'NodePoolIds', true)!;
    const keep = bool(ctx.params, 'KeepInstance', true)!;
    const pools = ids.map((id) => pool(c, id));
    const failure = failTask(ctx.req);
    for (const p of pools) if (p.LifeState !== 'deleting') store.deleteNodePool(c, p, keep, failure);
    return {};
  });

  // ---- instances ----
  actions.set('DescribeClusterInstances', (ctx) => {
    const c = cluster(ctx);
    const { offset, limit } = paging(ctx.params);
    const ids = strList(ctx.params, 'InstanceIds');
    const role = str(ctx.params, 'InstanceRole');
    const f = filters(ctx.params);
    const poolIds = f.get('nodepool-id');
    const types = f.get('nodepool-instance-type');
    const all = store
      .instancesOf(c.ClusterId)
      .filter(
        (i) =>
          (!ids?.length || ids.includes(i.InstanceId)) &&
          (!role || role === 'WORKER' || role === 'ALL') &&
          (!poolIds || poolIds.includes(i.NodePoolId)) &&
          (!types || types.includes(store.nodepools.get(i.NodePoolId)?.InstanceType ?? '')),
      );
    return {
      TotalCount: all.length,
      InstanceSet: all
        .slice(offset, offset + limit)
        .map((i) => renderInstance(i, store.nodepools.get(i.NodePoolId))),
    };
  });

  actions.set('DeleteClusterInstances', (ctx) => {
    const c = cluster(ctx);
    const ids = strList(ctx.params, 'InstanceIds', true)!;
    const mode = str(ctx.params, 'InstanceDeleteMode', true)!;
    if (mode !== 'terminate' && mode !== 'retain')
      throw new TkeError('InvalidParameter', 'InstanceDeleteMode must be terminate or retain.');
    if (c.Status === 'Deleting' || c.Status === 'Creating')
      throw new TkeError('ResourceUnavailable.ClusterState', `Cluster ${c.ClusterId} is ${c.Status}.`);
    const found = ids.filter((id) => store.instances.get(id)?.ClusterId === c.ClusterId);
    const notFound = ids.filter((id) => !found.includes(id));
    const failure = found.length ? failTask(ctx.req) : undefined;
    if (failure === undefined) store.deleteInstances(found);
    return {
      SuccInstanceIds: failure === undefined ? found : [],
      FailedInstanceIds: failure === undefined ? [] : found,
      NotFoundInstanceIds: notFound,
    };
  });

  const url = await server.listen(opts.port ?? 0);
  return {
    vendor: 'tke',
    url,
    credential: {
      settings: { region: TKE_REGION, endpoint: url },
      secrets: { secret_id: secretId, secret_key: secretKey },
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
 * A TKE worker as it registers: node name = its LAN IP (the cluster's NodeNameType "lan-ip"), providerID
 * `qcloud:///<zone id>/<instance id>`, the node pool id and instance id as labels.
 */
export function tkeNodeSpec(i: TkeInstance, pool?: TkeNodePool): KwokNodeSpec {
  return {
    name: i.LanIP,
    providerID: `qcloud:///100003/${i.InstanceId}`,
    ip: i.LanIP,
    labels: {
      'cloud.tencent.com/node-instance-id': i.InstanceId,
      'node.kubernetes.io/instance-type': pool?.InstanceType ?? 'S5.MEDIUM4',
      ...(i.NodePoolId ? { 'tke.cloud.tencent.com/nodepool-id': i.NodePoolId } : {}),
    },
  };
}
