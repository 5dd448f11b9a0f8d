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
  VendorNode,
  VendorNodePool,
  VendorPhase,
} from '../cluster-provider.js';
import { ProviderCaller } from '../vendor-call.js';
import { classifyRancherError, RancherHttp } from './rancher-http.js';

const PROV = '/v1/provisioning.cattle.io.clusters';
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

interface V3Node {
  id: string;
  nodeName?: string;
  hostname?: string;
  ipAddress?: string;
  state?: string;
  nodePoolId?: string;
  labels?: Record<string, string>;
}

export const RANCHER_CAPABILITIES: ProviderCapabilities = {
  create: true,
  destroy: true,
  update: ['description'],
  node_pools: { list: true, create: true, resize: true, delete: true, autoscaling: false },
  remove_nodes: false,
};

/**
 * Rancher v2 (RKE2/K3s through v1 provisioning clusters; machine pools are node pools). Every change is a
 * GET-modify-PUT with the current resourceVersion (409 → read again and repeat); a change is done when
 * status.observedGeneration reaches the generation the PUT produced and Ready is True.
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
    const generation = Number(change.generation ?? 0);
    const settled = (c.status?.observedGeneration ?? 0) >= generation && v.phase === 'running';
    return settled ? { state: 'succeeded' } : { state: 'running', message: v.message ?? v.vendor_state };
  }

  async kubeconfig(id: string): Promise<string> {
    const c = await this.prov(id);
    const mgmt = c?.status?.clusterName;
    if (!mgmt) throw new AppError(ErrorCode.CONFLICT, `Rancher cluster ${id} has no management cluster yet`);
    const out = await this.vendor.call(
      'generateKubeconfig',
      (signal) =>
        this.http.json<{ config?: string }>(
          'POST',
          `/v3/clusters/${encodeURIComponent(mgmt)}?action=generateKubeconfig`,
          undefined,
          signal,
        ),
      {
        idempotent: true,
      },
    );
    return out.config ?? '';
  }

  async listNodePools(clusterId: string): Promise<VendorNodePool[]> {
    const c = await this.mustProv(clusterId);
    const nodes = await this.listNodes(clusterId);
    const phase = this.cluster(c).phase;
    const poolPhase: PoolPhase =
      phase === 'running'
        ? 'active'
        : phase === 'updating'
          ? 'scaling'
          : phase === 'failed'
            ? 'failed'
            : phase === 'deleting'
              ? 'deleting'
              : 'provisioning';
    return c.spec.rkeConfig.machinePools.map((p) => {
      const mine = nodes.filter((n) => n.pool_id === p.name);
      return {
        id: p.name,
        name: p.name,
        phase: poolPhase,
        vendor_state: c.metadata.state?.name ?? 'unknown',
        desired_size: p.quantity,
        total_nodes: mine.filter((n) => n.state !== 'removing').length,
        ready_nodes: mine.filter((n) => n.state === 'active').length,
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

  async listNodes(clusterId: string, poolId?: string): Promise<VendorNode[]> {
    const c = await this.mustProv(clusterId);
    const mgmt = c.status?.clusterName;
    if (!mgmt) return [];
    const out: VendorNode[] = [];
    let path: string | null = `/v3/nodes?clusterId=${encodeURIComponent(mgmt)}&limit=1000`;
    for (let i = 0; path && i < 100; i++) {
      const page: { data?: V3Node[]; pagination?: { next?: string } } = await this.vendor.call(
        'listNodes',
        (signal) => this.http.json('GET', path!, undefined, signal),
        { idempotent: true },
      );
      for (const n of page.data ?? []) {
        const pool =
          n.labels?.['rke.cattle.io/rke-machine-pool-name'] ?? n.nodePoolId?.split(':').pop() ?? null;
        if (poolId && pool !== poolId) continue;
        out.push({
          instance_id: n.id,
          node_name: n.nodeName ?? n.hostname ?? '',
          pool_id: pool,
          state: n.state ?? 'unknown',
          ip: n.ipAddress ?? null,
        });
      }
      path = page.pagination?.next
        ? new URL(page.pagination.next).pathname + new URL(page.pagination.next).search
        : null;
    }
    return out;
  }

  async removeNodes(): Promise<VendorChange> {
    throw new AppError(
      ErrorCode.UNPROCESSABLE,
      'Berth cannot remove a single Rancher machine; resize its machine pool instead',
    );
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
