import { parse as parseYaml } from 'yaml';
import { AppError, type FieldError } from '../../common/app-error.js';
import { RANCHER_VERSION } from './rancher.cluster-spec.js';
import { ErrorCode } from '../../common/error-codes.js';
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
import { classifyRancherError, RancherHttp } from './rancher-http.js';

const PROV = '/v1/provisioning.cattle.io.clusters';
const MACHINES = '/v1/cluster.x-k8s.io.machines';
/** The machine pool of a CAPI Machine (the label lives on machines, not on Kubernetes nodes). */
const POOL_LABEL = 'rke.cattle.io/rke-machine-pool-name';
const CLUSTER_LABEL = 'cluster.x-k8s.io/cluster-name';
/** CAPI deletes machines carrying this annotation first when their MachineSet scales down. */
const DELETE_MACHINE = 'cluster.x-k8s.io/delete-machine';
/** Rancher's setting for the lifetime of tokens in generated kubeconfigs (minutes; 0 = never expire). */
const KUBECONFIG_TTL_SETTING = 'kubeconfig-default-token-ttl-minutes';
const NS = 'fleet-default';
const DESCRIPTION = 'field.cattle.io/description';
const VERSION = RANCHER_VERSION;

interface MachinePool {
  name: string;
  quantity: number;
  etcdRole?: boolean;
  controlPlaneRole?: boolean;
  workerRole?: boolean;
  machineConfigRef: { kind: string; name: string };
  [k: string]: unknown;
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface ProvCluster {
  id: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion: string;
    generation?: number;
    deletionTimestamp?: string;
    annotations?: Record<string, string>;
    state?: { name: string; error?: boolean; transitioning?: boolean; message?: string };
    [k: string]: unknown;
  };
  spec: {
    kubernetesVersion: string;
    rkeConfig: { machinePools: MachinePool[]; [k: string]: unknown };
    [k: string]: unknown;
  };
  status?: { clusterName?: string; conditions?: Condition[]; observedGeneration?: number; ready?: boolean };
}

/** A CAPI Machine as Steve returns it (the fields Berth reads). */
interface Machine {
  id: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: {
    phase?: string;
    nodeRef?: { name: string };
    addresses?: { type: string; address: string }[];
    failureMessage?: string;
    failureReason?: string;
  };
}

export const RANCHER_CAPABILITIES: ProviderCapabilities = {
  create: true,
  destroy: true,
  update: ['description'],
  node_pools: { list: true, create: true, resize: true, delete: true, autoscaling: false },
  remove_nodes: true,
};

/**
 * Rancher v2 (RKE2/K3s through v1 provisioning clusters; machine pools are node pools). Every change is a
 * GET-modify-PUT with the current resourceVersion (409 → read again and repeat). Rancher observes a new
 * generation at once and keeps Ready True until its planner starts, so a change is done only when the
 * planner says so (Updated and Provisioned True without a message, Ready True) and the CAPI machines match
 * the spec: every pool has exactly `quantity` machines running with a node, and no machine is being deleted.
 * Nodes are attributed to pools through the machines' pool label and node references.
 */
export class RancherClusterProvider implements ClusterProvider {
  readonly name = 'rancher' as const;
  readonly capabilities = RANCHER_CAPABILITIES;
  readonly region = '';
  private readonly vendor: ProviderCaller;

  constructor(
    private readonly http: Pick<RancherHttp, 'json'>,
    opts: VendorCallOptions,
  ) {
    this.vendor = new ProviderCaller('rancher', opts, classifyRancherError);
  }

  validateSpec(spec: ClusterSpec): FieldError[] {
    const problems: FieldError[] = [];
    if (!spec.kubernetes_version || !VERSION.test(spec.kubernetes_version))
      problems.push({
        field: 'spec.kubernetes_version',
        errors: ['Rancher needs an RKE2/K3s version like "v1.31.4+rke2r1"'],
      });
    const pools = spec.node_pools ?? [];
    if (!pools.some((p) => p.roles?.includes('etcd')))
      problems.push({ field: 'spec.node_pools', errors: ['Rancher needs a pool with the etcd role'] });
    if (!pools.some((p) => p.roles?.includes('control-plane')))
      problems.push({
        field: 'spec.node_pools',
        errors: ['Rancher needs a pool with the control-plane role'],
      });
    for (const [i, p] of pools.entries()) {
      if (!p.machine_config)
        problems.push({
          field: `spec.node_pools.${i}.machine_config`,
          errors: ['Rancher machine pools need a machine template (kind, name)'],
        });
    }
    if (spec.deletion_protection)
      problems.push({ field: 'spec.deletion_protection', errors: ['Rancher has no deletion protection'] });
    return problems;
  }

  async findClusterByName(name: string): Promise<VendorCluster | null> {
    return this.getCluster(`${NS}/${name}`);
  }

  async createCluster(req: {
    name: string;
    description?: string | null;
    spec: ClusterSpec;
  }): Promise<{ id: string; change: VendorChange }> {
    const s = req.spec;
    const body = {
      type: 'provisioning.cattle.io.cluster',
      metadata: {
        name: req.name,
        namespace: NS,
        ...(req.description ? { annotations: { [DESCRIPTION]: req.description } } : {}),
      },
      spec: {
        kubernetesVersion: s.kubernetes_version,
        ...(s.cloud_credential ? { cloudCredentialSecretName: s.cloud_credential } : {}),
        rkeConfig: { machinePools: (s.node_pools ?? []).map(machinePool) },
      },
    };
    const created = await this.vendor.call(
      'createCluster',
      (signal) => this.http.json<ProvCluster>('POST', PROV, body, signal),
      { idempotent: false },
    );
    const id = `${NS}/${created.metadata.name}`;
    return { id, change: { kind: 'settled', id, generation: created.metadata.generation ?? 1 } };
  }

  async getCluster(id: string): Promise<VendorCluster | null> {
    const c = await this.prov(id);
    return c ? this.cluster(c) : null;
  }

  async updateCluster(id: string, change: { description?: string }): Promise<VendorChange | null> {
    if (change.description === undefined) return null;
    await this.mutate(id, (c) => {
      c.metadata.annotations = { ...(c.metadata.annotations ?? {}), [DESCRIPTION]: change.description! };
    });
    return null; // metadata only: nothing to reconcile
  }

  async deleteCluster(id: string): Promise<VendorChange> {
    try {
      await this.vendor.call(
        'deleteCluster',
        (signal) => this.http.json('DELETE', `${PROV}/${id}`, undefined, signal),
        { idempotent: true },
      );
    } catch (e) {
      if ((e as { code?: number }).code !== ErrorCode.NOT_FOUND) throw e;
    }
    return { kind: 'gone', id };
  }

  async checkChange(change: VendorChange): Promise<ChangeState> {
    const id = String(change.id ?? '');
    const c = await this.prov(id);
    if (change.kind === 'gone')
      return c ? { state: 'running', message: c.metadata.state?.name ?? 'removing' } : { state: 'succeeded' };
    if (!c) return { state: 'failed', message: `Rancher no longer knows cluster ${id}` };
    const v = this.cluster(c);
    if (v.phase === 'failed')
      return { state: 'failed', message: v.message ?? 'Rancher reports an error', vendor_code: 'Error' };
    if ((c.status?.observedGeneration ?? 0) < Number(change.generation ?? 0))
      return { state: 'running', message: 'waiting for Rancher to observe the change' };
    const planner = plannerState(c);
    if (planner.failed) return { state: 'failed', message: planner.failed, vendor_code: 'Error' };
    if (planner.waiting) return { state: 'running', message: planner.waiting };
    const machines = await this.machines(c);
    const broken = machines.find((m) => m.status?.phase === 'Failed');
    if (broken)
      return {
        state: 'failed',
        message: `machine ${broken.metadata.name} failed: ${broken.status?.failureMessage ?? broken.status?.failureReason ?? 'no reason given'}`,
        vendor_code: 'MachineFailed',
      };
    const pending = machineProgress(c, machines);
    return pending ? { state: 'running', message: pending } : { state: 'succeeded' };
  }

  async kubeconfig(id: string): Promise<string> {
    return (await this.kubeconfigWithExpiry(id)).config;
  }

  /**
   * generateKubeconfig, and when its token expires: the token's own `expiresAt` (`GET /v3/tokens/<name>`)
   * when the token has Rancher's "name:secret" form, else the kubeconfig token TTL setting from now.
   */
  async kubeconfigWithExpiry(id: string): Promise<VendorKubeconfig> {
    const c = await this.prov(id);
    const mgmt = c?.status?.clusterName;
    if (!mgmt) throw new AppError(ErrorCode.CONFLICT, `Rancher cluster ${id} has no management cluster yet`);
    const issuedAt = Date.now();
    const out = await this.vendor.call(
      'generateKubeconfig',
      (signal) =>
        this.http.json<{ config?: string }>(
          'POST',
          `/v3/clusters/${encodeURIComponent(mgmt)}?action=generateKubeconfig`,
          undefined,
          signal,
        ),
      { idempotent: true },
    );
    const config = out.config ?? '';
    return {
      config,
      expires_at: await this.tokenExpiry(config, issuedAt),
      // With the authorized cluster endpoint on, Rancher adds a context per control-plane node; its primary
      // context (the cluster through Rancher, also current-context) is named after the cluster.
      context: c.metadata.name,
      exec_hint:
        'Rancher writes exec users when its setting kubeconfig-generate-token is false; set it to true so generated kubeconfigs carry a token',
    };
  }

  private async tokenExpiry(config: string, issuedAt: number): Promise<Date | null> {
    const name = /^([a-z0-9-]+):[A-Za-z0-9]+$/.exec(kubeconfigToken(config) ?? '')?.[1];
    if (name) {
      try {
        const t = await this.vendor.call(
          'getToken',
          (signal) =>
            this.http.json<{ expiresAt?: string }>(
              'GET',
              `/v3/tokens/${encodeURIComponent(name)}`,
              undefined,
              signal,
            ),
          { idempotent: true },
        );
        return t.expiresAt ? new Date(t.expiresAt) : null;
      } catch (e) {
        if (!(e instanceof AppError) || e.code !== ErrorCode.NOT_FOUND) throw e;
      }
    }
    const setting = await this.vendor.call(
      'getSetting',
      (signal) =>
        this.http.json<{ value?: string }>(
          'GET',
          `/v3/settings/${KUBECONFIG_TTL_SETTING}`,
          undefined,
          signal,
        ),
      { idempotent: true },
    );
    const minutes = Number(setting.value);
    return Number.isFinite(minutes) && minutes > 0 ? new Date(issuedAt + minutes * 60_000) : null;
  }

  async listNodePools(clusterId: string): Promise<VendorNodePool[]> {
    const c = await this.mustProv(clusterId);
    const machines = await this.machines(c);
    const phase = this.cluster(c).phase;
    const changing = !!plannerState(c).waiting;
    return c.spec.rkeConfig.machinePools.map((p) => {
      const mine = machines.filter((m) => m.metadata.labels?.[POOL_LABEL] === p.name);
      const live = mine.filter((m) => !m.metadata.deletionTimestamp);
      const ready = live.filter(isRunning).length;
      const poolPhase: PoolPhase =
        phase === 'failed'
          ? 'failed'
          : phase === 'deleting'
            ? 'deleting'
            : phase === 'provisioning'
              ? 'provisioning'
              : live.length !== p.quantity || ready !== p.quantity || live.length !== mine.length || changing
                ? 'scaling'
                : 'active';
      return {
        id: p.name,
        name: p.name,
        phase: poolPhase,
        vendor_state: c.metadata.state?.name ?? 'unknown',
        desired_size: p.quantity,
        total_nodes: live.length,
        ready_nodes: ready,
        instance_types: [p.machineConfigRef.name],
        autoscaling: null,
      };
    });
  }

  async createNodePool(clusterId: string, pool: NodePoolSpec): Promise<{ id: string; change: VendorChange }> {
    if (!pool.machine_config)
      throw AppError.validation([
        { field: 'machine_config', errors: ['Rancher machine pools need a machine template (kind, name)'] },
      ]);
    const change = await this.mutate(clusterId, (c) => {
      if (!c.spec.rkeConfig.machinePools.some((p) => p.name === pool.name))
        c.spec.rkeConfig.machinePools.push(machinePool(pool));
    });
    return { id: pool.name, change };
  }

  async resizeNodePool(
    clusterId: string,
    poolId: string,
    size: { desired_size?: number },
  ): Promise<VendorChange> {
    return this.mutate(clusterId, (c) => {
      const p = c.spec.rkeConfig.machinePools.find((x) => x.name === poolId);
      if (!p) throw AppError.notFound('machine pool', poolId);
      if (size.desired_size !== undefined) p.quantity = size.desired_size;
    });
  }

  async deleteNodePool(clusterId: string, poolId: string): Promise<VendorChange> {
    return this.mutate(clusterId, (c) => {
      c.spec.rkeConfig.machinePools = c.spec.rkeConfig.machinePools.filter((p) => p.name !== poolId);
    });
  }

  /** The cluster's CAPI machines: instance = machine, node = its nodeRef, pool = its pool label. */
  async listNodes(clusterId: string, poolId?: string): Promise<VendorNode[]> {
    const c = await this.mustProv(clusterId);
    return (await this.machines(c))
      .filter((m) => !poolId || m.metadata.labels?.[POOL_LABEL] === poolId)
      .map((m) => ({
        instance_id: m.metadata.name,
        node_name: m.status?.nodeRef?.name ?? '',
        pool_id: m.metadata.labels?.[POOL_LABEL] ?? null,
        state: m.metadata.deletionTimestamp ? 'deleting' : (m.status?.phase ?? 'unknown').toLowerCase(),
        ip: m.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? null,
      }));
  }

  /**
   * Removes given machines as Rancher's own UI does: marks them with CAPI's delete-machine annotation, then
   * lowers the pool's quantity by as many, so the MachineSet deletes exactly those. Safe to repeat: the new
   * quantity is the pool's live machines that are not marked.
   */
  async removeNodes(clusterId: string, poolId: string, instanceIds: string[]): Promise<VendorChange> {
    for (const name of instanceIds) {
      for (let attempt = 1; ; attempt++) {
        const m = await this.vendor.call(
          'getMachine',
          (signal) =>
            this.http.json<Machine>(
              'GET',
              `${MACHINES}/${NS}/${encodeURIComponent(name)}`,
              undefined,
              signal,
            ),
          { idempotent: true },
        );
        if (m.metadata.labels?.[POOL_LABEL] !== poolId)
          throw AppError.notFound('machine of pool ' + poolId, name);
        if (m.metadata.annotations?.[DELETE_MACHINE] !== undefined || m.metadata.deletionTimestamp) break;
        m.metadata.annotations = { ...(m.metadata.annotations ?? {}), [DELETE_MACHINE]: 'true' };
        try {
          await this.vendor.call(
            'updateMachine',
            (signal) => this.http.json('PUT', `${MACHINES}/${NS}/${encodeURIComponent(name)}`, m, signal),
            { idempotent: true },
          );
          break;
        } catch (e) {
          if (!(e instanceof AppError) || e.details?.vendor_status !== 409 || attempt >= 4) throw e;
        }
      }
    }
    const c = await this.mustProv(clusterId);
    const live = (await this.machines(c)).filter(
      (m) => m.metadata.labels?.[POOL_LABEL] === poolId && !m.metadata.deletionTimestamp,
    );
    const keep = live.filter((m) => m.metadata.annotations?.[DELETE_MACHINE] === undefined).length;
    return this.mutate(clusterId, (x) => {
      const p = x.spec.rkeConfig.machinePools.find((y) => y.name === poolId);
      if (!p) throw AppError.notFound('machine pool', poolId);
      p.quantity = Math.min(p.quantity, keep);
    });
  }

  private async machines(c: ProvCluster): Promise<Machine[]> {
    const selector = encodeURIComponent(`${CLUSTER_LABEL}=${c.metadata.name}`);
    const out: Machine[] = [];
    let path: string | null = `${MACHINES}/${NS}?labelSelector=${selector}&limit=1000`;
    for (let i = 0; path && i < 100; i++) {
      const page: { data?: Machine[]; continue?: string } = await this.vendor.call(
        'listMachines',
        (signal) => this.http.json('GET', path!, undefined, signal),
        { idempotent: true },
      );
      out.push(...(page.data ?? []));
      path = page.continue
        ? `${MACHINES}/${NS}?labelSelector=${selector}&limit=1000&continue=${encodeURIComponent(page.continue)}`
        : null;
    }
    return out;
  }

  /** GET-modify-PUT with the current resourceVersion; a 409 (someone else changed it) reads again. */
  private async mutate(id: string, change: (c: ProvCluster) => void): Promise<VendorChange> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.mustProv(id);
      change(c);
      try {
        const saved = await this.vendor.call(
          'updateCluster',
          (signal) => this.http.json<ProvCluster>('PUT', `${PROV}/${id}`, c, signal),
          { idempotent: true },
        );
        return { kind: 'settled', id, generation: saved.metadata.generation ?? 0 };
      } catch (e) {
        if (!(e instanceof AppError) || e.details?.vendor_status !== 409 || attempt >= 4) throw e;
      }
    }
  }

  private async prov(id: string): Promise<ProvCluster | null> {
    try {
      return await this.vendor.call(
        'getCluster',
        (signal) => this.http.json<ProvCluster>('GET', `${PROV}/${id}`, undefined, signal),
        { idempotent: true },
      );
    } catch (e) {
      if (e instanceof AppError && e.code === ErrorCode.NOT_FOUND) return null;
      throw e;
    }
  }

  private async mustProv(id: string): Promise<ProvCluster> {
    const c = await this.prov(id);
    if (!c) throw new AppError(ErrorCode.NOT_FOUND, `Rancher cluster ${id} not found`, { vendor: 'rancher' });
    return c;
  }

  private cluster(c: ProvCluster): VendorCluster {
    const ready = c.status?.conditions?.find((x) => x.type === 'Ready');
    const state = c.metadata.state?.name ?? 'unknown';
    let phase: VendorPhase;
    if (c.metadata.deletionTimestamp) phase = 'deleting';
    else if (c.metadata.state?.error || ready?.reason === 'Error') phase = 'failed';
    else if (ready?.status === 'True') phase = 'running';
    else if (state === 'updating') phase = 'updating';
    else phase = 'provisioning';
    return {
      id: `${c.metadata.namespace}/${c.metadata.name}`,
      name: c.metadata.name,
      phase,
      vendor_state: state,
      version: c.spec.kubernetesVersion,
      message: ready?.message || c.metadata.state?.message || null,
    };
  }
}

const isRunning = (m: Machine) => m.status?.phase === 'Running' && !!m.status.nodeRef?.name;

/**
 * What Rancher's planner says about the last change, read as Rancher's own provisioning log reads it:
 * Provisioned, then Updated; a condition that is False (or carries the Error reason) failed, one that is
 * not True or still has a message is waiting; Ready must be True too.
 */
function plannerState(c: ProvCluster): { failed?: string; waiting?: string } {
  const conds = c.status?.conditions ?? [];
  for (const type of ['Provisioned', 'Updated']) {
    const x = conds.find((y) => y.type === type);
    if (x && (x.reason === 'Error' || (x as { error?: boolean }).error))
      return { failed: x.message || `${type} reports an error` };
    if (!x || x.status !== 'True' || x.message) return { waiting: x?.message || `waiting for ${type}` };
  }
  const ready = conds.find((y) => y.type === 'Ready');
  if (ready?.status !== 'True' || c.status?.ready === false)
    return { waiting: ready?.message || 'waiting for the cluster to be ready' };
  return {};
}

/** Why the machines do not match the spec yet (null when they do). */
function machineProgress(c: ProvCluster, machines: Machine[]): string | null {
  const pools = new Map(c.spec.rkeConfig.machinePools.map((p) => [p.name, p.quantity]));
  for (const [name, quantity] of pools) {
    const live = machines.filter(
      (m) => m.metadata.labels?.[POOL_LABEL] === name && !m.metadata.deletionTimestamp,
    );
    const running = live.filter(isRunning).length;
    if (live.length !== quantity || running !== quantity)
      return `machine pool ${name}: ${running} of ${quantity} machines running${live.length > quantity ? `, ${live.length - quantity} to remove` : ''}`;
  }
  const leaving = machines.filter(
    (m) => m.metadata.deletionTimestamp || !pools.has(m.metadata.labels?.[POOL_LABEL] ?? ''),
  ).length;
  return leaving ? `removing ${leaving} machine(s)` : null;
}

/** The bearer token of a kubeconfig's first user (Rancher writes one user). */
function kubeconfigToken(config: string): string | null {
  try {
    const doc = parseYaml(config) as { users?: { user?: { token?: unknown } }[] };
    const t = doc?.users?.[0]?.user?.token;
    return typeof t === 'string' ? t : null;
  } catch {
    return null;
  }
}

function machinePool(p: NodePoolSpec): MachinePool {
  const roles = p.roles?.length ? p.roles : ['worker'];
  return {
    name: p.name,
    quantity: p.desired_size,
    etcdRole: roles.includes('etcd'),
    controlPlaneRole: roles.includes('control-plane'),
    workerRole: roles.includes('worker'),
    machineConfigRef: { kind: p.machine_config?.kind ?? '', name: p.machine_config?.name ?? '' },
  };
}

/** Builds the HTTP client from a revealed Rancher credential (endpoint, token, optional CA). */
export const rancherProviderFactory: ClusterProviderFactory = (credential, opts) =>
  new RancherClusterProvider(
    new RancherHttp({
      endpoint: String(credential.settings.endpoint),
      token: credential.secrets.token,
      caData: typeof credential.settings.ca_data === 'string' ? credential.settings.ca_data : undefined,
      insecureSkipTlsVerify: credential.settings.insecure_skip_tls_verify === true,
      outbound: opts.outbound,
    }),
    opts,
  );
