// In-memory Rancher state with the lifecycles Rancher walks through:
// - v3 management clusters (Norman): imported ("c-xxxxx", pending until the agent registers) and the
//   management side of provisioned clusters ("c-m-xxxxxxxx");
// - v1 provisioning.cattle.io clusters (Steve): RKE2/K3s with machine pools, resourceVersion, conditions;
// - cluster registration tokens and v3 nodes.
// Delays are multiplied by timeScale. No HTTP here; see simulator.ts (URLs, links, collections).
import { randomBytes, randomUUID } from 'node:crypto';
import { TargetPicker, type KubeTarget } from '../common/kube-targets.js';

export const NAMESPACE = 'fleet-default';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Base delays in ms (before timeScale). */
export const DELAYS = { provision: 4000, plan: 600, scale: 2000, remove: 1000, token: 300, register: 2000 };

/** Rancher's default lifetime of the tokens in generated kubeconfigs (setting kubeconfig-default-token-ttl-minutes: 30 days). */
export const KUBECONFIG_TTL_MINUTES = 43200;
/** CAPI's annotation that marks a machine to be deleted first when its MachineSet scales down. */
export const DELETE_MACHINE = 'cluster.x-k8s.io/delete-machine';

/** A Rancher API error: `{"type":"error","status","code","message","fieldName"?}`. */
export class RancherError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldName?: string,
  ) {
    super(message);
  }
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastUpdateTime: string;
  error?: boolean;
  transitioning?: boolean;
}

export interface MachinePool {
  name: string;
  quantity: number;
  etcdRole?: boolean;
  controlPlaneRole?: boolean;
  workerRole?: boolean;
  machineConfigRef: { kind: string; name: string; apiVersion?: string };
  [k: string]: unknown;
}

export interface ProvCluster {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    generation: number;
    creationTimestamp: string;
    deletionTimestamp?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    finalizers: string[];
    state: { name: string; error: boolean; transitioning: boolean; message: string };
  };
  spec: {
    kubernetesVersion: string;
    cloudCredentialSecretName?: string;
    rkeConfig: { machinePools: MachinePool[]; [k: string]: unknown };
    [k: string]: unknown;
  };
  status: {
    clusterName: string;
    conditions: Condition[];
    observedGeneration: number;
    ready: boolean;
    fleetWorkspaceName: string;
    clientSecretName?: string;
    agentDeployed?: boolean;
  };
}

export interface MgmtCluster {
  id: string;
  name: string;
  description: string;
  driver: string;
  provider: string;
  state: string;
  transitioning: 'no' | 'yes' | 'error';
  transitioningMessage: string;
  conditions: Condition[];
  created: string;
  createdTS: number;
  uuid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  version?: { gitVersion: string };
  /** For provisioned clusters: the v1 object's name (in fleet-default). */
  provName?: string;
  target?: KubeTarget;
}

export interface RegistrationToken {
  id: string;
  type: 'clusterRegistrationToken';
  name: string;
  namespaceId: string;
  clusterId: string;
  state: string;
  transitioning: 'no' | 'yes';
  transitioningMessage: string;
  token: string;
  command: string;
  insecureCommand: string;
  nodeCommand: string;
  windowsNodeCommand: string;
  manifestUrl: string;
  insecureNodeCommand: string;
  created: string;
  createdTS: number;
  uuid: string;
}

export interface NodeRecord {
  id: string;
  type: 'node';
  clusterId: string;
  nodeName: string;
  hostname: string;
  requestedHostname: string;
  ipAddress: string;
  internalNodeIp: string;
  state: string;
  transitioning: 'no' | 'yes';
  transitioningMessage: string;
  controlPlane: boolean;
  etcd: boolean;
  worker: boolean;
  nodePoolId: string;
  labels: Record<string, string>;
  info: { kubernetes: { kubeletVersion: string }; os: { operatingSystem: string } };
  created: string;
  uuid: string;
  /** Machine pool name (not a Rancher field; stripped from responses). */
  pool?: string;
  /** The CAPI Machine behind a node of a provisioned cluster (stripped from v3 responses; see machineView). */
  machine?: {
    name: string;
    uid: string;
    cluster: string;
    resourceVersion: string;
    annotations: Record<string, string>;
    deletionTimestamp?: string;
    creationTimestamp: string;
  };
}

const rand = (n: number): string => {
  const chars = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(n), (b) => chars[b % chars.length]).join('');
};
const now = (): string => new Date().toISOString();
const cond = (
  type: string,
  status: Condition['status'],
  message = '',
  reason = '',
  extra: Partial<Condition> = {},
): Condition => ({
  type,
  status,
  ...(reason ? { reason } : {}),
  ...(message ? { message } : {}),
  lastUpdateTime: now(),
  ...extra,
});

export class RancherStore {
  readonly mgmt = new Map<string, MgmtCluster>();
  readonly prov = new Map<string, ProvCluster>();
  readonly tokens = new Map<string, RegistrationToken>();
  readonly nodes = new Map<string, NodeRecord>();
  /** k8s-style resourceVersion counter, shared by every v1 object (Steve's collection `revision`). */
  revision = 1000;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly picker: TargetPicker;
  private ipSeq = 10;
  private cycles = new Map<string, number>();

  constructor(
    targets: KubeTarget[],
    private readonly timeScale: number,
    /** Base URL used in registration commands (the simulator's own URL). */
    private readonly baseUrl: () => string,
  ) {
    this.picker = new TargetPicker(targets);
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms * this.timeScale);
    this.timers.add(t);
  }

  private pickTarget(): KubeTarget {
    // No testbed: kubeconfigs point at a placeholder that refuses connections.
    return (
      this.picker.pick() ?? {
        name: 'placeholder',
        server: 'https://127.0.0.1:1',
        token: 'placeholder-token',
        ca_data: '',
      }
    );
  }

  // ---- v3 management clusters ----

  mgmtCluster(id: string): MgmtCluster {
    const c = this.mgmt.get(id);
    if (!c) throw new RancherError(404, 'NotFound', `clusters.management.cattle.io "${id}" not found`);
    return c;
  }

  /** POST /v3/clusters without a driver config: an imported cluster, pending until its agent registers. */
  importCluster(body: Record<string, unknown> | undefined, failTask?: string): MgmtCluster {
    if (!body || typeof body !== 'object')
      throw new RancherError(422, 'InvalidBodyContent', 'request body must be a JSON object');
    for (const k of ['rancherKubernetesEngineConfig', 'rke2Config', 'k3sConfig']) {
      if (k in body)
        throw new RancherError(
          422,
          'InvalidFormat',
          `${k}: creating v3-driven clusters is not supported; import a cluster or use /v1/provisioning.cattle.io.clusters`,
          k,
        );
    }
    const name = body.name;
    if (typeof name !== 'string' || !name)
      throw new RancherError(422, 'MissingRequired', 'name is required', 'name');
    if (!DNS_LABEL.test(name) || name.length > 63)
      throw new RancherError(
        422,
        'InvalidFormat',
        `invalid cluster name "${name}": must be a lowercase RFC 1123 label`,
        'name',
      );
    if ([...this.mgmt.values()].some((c) => c.name === name))
      throw new RancherError(422, 'NotUnique', 'Cluster name must be unique', 'name');
    const t = Date.now();
    const c: MgmtCluster = {
      id: `c-${rand(5)}`,
      name,
      description: typeof body.description === 'string' ? body.description : '',
      driver: 'imported',
      provider: '',
      state: 'pending',
      transitioning: 'yes',
      transitioningMessage: 'Waiting for API to be available',
      conditions: [
        cond('Pending', 'True'),
        cond('Provisioned', 'Unknown'),
        cond('Ready', 'Unknown', 'Waiting for API to be available'),
      ],
      created: new Date(t).toISOString(),
      createdTS: t,
      uuid: randomUUID(),
      labels: strMap(body.labels),
      annotations: {
        ...strMap(body.annotations),
        ...(failTask ? { 'sim.berth.io/fail-task': failTask } : {}),
      },
    };
    this.mgmt.set(c.id, c);
    return c;
  }

  updateMgmt(c: MgmtCluster, body: Record<string, unknown> | undefined): MgmtCluster {
    if (!body || typeof body !== 'object')
      throw new RancherError(422, 'InvalidBodyContent', 'request body must be a JSON object');
    if (typeof body.description === 'string') c.description = body.description;
    if (body.labels !== undefined) c.labels = strMap(body.labels);
    if (body.annotations !== undefined) c.annotations = strMap(body.annotations);
    if (typeof body.name === 'string' && body.name !== c.name) {
      if (c.provName)
        throw new RancherError(
          422,
          'InvalidFormat',
          'the name of a provisioned cluster cannot change',
          'name',
        );
      if ([...this.mgmt.values()].some((x) => x.name === body.name))
        throw new RancherError(422, 'NotUnique', 'Cluster name must be unique', 'name');
      c.name = body.name;
    }
    return c;
  }

  /** The agent of an imported cluster connected: pending → active (or error with a fail-task fault). */
  registerImported(c: MgmtCluster): void {
    if (c.driver !== 'imported' || c.state !== 'pending') return;
    const fail = c.annotations['sim.berth.io/fail-task'];
    if (fail) {
      Object.assign(c, { state: 'error', transitioning: 'error', transitioningMessage: fail });
      setCond(c.conditions, cond('Ready', 'False', fail, 'Error', { error: true }));
      return;
    }
    c.target = this.pickTarget();
    Object.assign(c, {
      state: 'active',
      transitioning: 'no',
      transitioningMessage: '',
      provider: 'k3s',
      version: { gitVersion: 'v1.31.4+k3s1' },
    });
    setCond(c.conditions, cond('Pending', 'False'));
    setCond(c.conditions, cond('Provisioned', 'True'));
    setCond(c.conditions, cond('Ready', 'True'));
    this.addNode(c, {
      pool: undefined,
      etcd: true,
      controlPlane: true,
      worker: true,
      state: 'active',
      kubeletVersion: 'v1.31.4+k3s1',
    });
  }

  deleteMgmt(c: MgmtCluster): void {
    if (c.provName) {
      const p = this.prov.get(c.provName);
      if (p) {
        this.deleteProv(p);
        return;
      }
    }
    Object.assign(c, { state: 'removing', transitioning: 'yes', transitioningMessage: 'Removing cluster' });
    this.later(DELAYS.remove, () => this.purge(c.id));
  }

  private purge(mgmtId: string): void {
    this.mgmt.delete(mgmtId);
    for (const [id, t] of this.tokens) if (t.clusterId === mgmtId) this.tokens.delete(id);
    for (const [id, n] of this.nodes) if (n.clusterId === mgmtId) this.nodes.delete(id);
  }

  // ---- registration tokens ----

  token(id: string): RegistrationToken {
    const t = this.tokens.get(id);
    if (!t)
      throw new RancherError(
        404,
        'NotFound',
        `clusterregistrationtokens.management.cattle.io "${id.split(':').pop()}" not found`,
      );
    return t;
  }

  createToken(body: Record<string, unknown> | undefined): RegistrationToken {
    if (!body || typeof body !== 'object')
      throw new RancherError(422, 'InvalidBodyContent', 'request body must be a JSON object');
    const clusterId = body.clusterId;
    if (typeof clusterId !== 'string' || !clusterId)
      throw new RancherError(422, 'MissingRequired', 'clusterId is required', 'clusterId');
    const cluster = this.mgmt.get(clusterId);
    if (!cluster)
      throw new RancherError(422, 'InvalidReference', `Failed to find cluster ${clusterId}`, 'clusterId');
    const name = typeof body.name === 'string' && body.name ? body.name : `crt-${rand(5)}`;
    const id = `${clusterId}:${name}`;
    if (this.tokens.has(id))
      throw new RancherError(
        409,
        'AlreadyExists',
        `clusterregistrationtokens.management.cattle.io "${name}" already exists`,
      );
    const ts = Date.now();
    const tok: RegistrationToken = {
      id,
      type: 'clusterRegistrationToken',
      name,
      namespaceId: clusterId,
      clusterId,
      state: 'pending',
      transitioning: 'yes',
      transitioningMessage: 'Generating registration token',
      token: '',
      command: '',
      insecureCommand: '',
      nodeCommand: '',
      windowsNodeCommand: '',
      manifestUrl: '',
      insecureNodeCommand: '',
      created: new Date(ts).toISOString(),
      createdTS: ts,
      uuid: randomUUID(),
    };
    this.tokens.set(id, tok);
    this.later(DELAYS.token, () => {
      const secret = rand(54);
      const manifestUrl = `${this.baseUrl()}/v3/import/${secret}_${clusterId}.yaml`;
      Object.assign(tok, {
        state: 'active',
        transitioning: 'no',
        transitioningMessage: '',
        token: secret,
        manifestUrl,
        command: `kubectl apply -f ${manifestUrl}`,
        insecureCommand: `curl --insecure -sfL ${manifestUrl} | kubectl apply -f -`,
        nodeCommand: `sudo docker run -d --privileged --restart=unless-stopped --net=host -v /etc/kubernetes:/etc/kubernetes -v /var/run:/var/run rancher/rancher-agent:v2.11.0 --server ${this.baseUrl()} --token ${secret}`,
        insecureNodeCommand: '',
        windowsNodeCommand: `PowerShell -NoLogo -NonInteractive -Command "& {docker run -v c:\\:c:\\host rancher/rancher-agent:v2.11.0 bootstrap --server ${this.baseUrl()} --token ${secret} | iex}"`,
      });
      // The operator runs the command; the agent registers a little later.
      this.later(DELAYS.register, () => this.registerImported(cluster));
    });
    return tok;
  }

  // ---- v1 provisioning clusters ----

  provCluster(name: string): ProvCluster {
    const c = this.prov.get(name);
    if (!c) throw new RancherError(404, 'NotFound', `clusters.provisioning.cattle.io "${name}" not found`);
    return c;
  }

  createProv(body: Record<string, unknown> | undefined, failTask?: string): ProvCluster {
    if (!body || typeof body !== 'object')
      throw new RancherError(422, 'InvalidBodyContent', 'request body must be a JSON object');
    const meta = (body.metadata ?? {}) as Record<string, unknown>;
    const name = meta.name;
    if (typeof name !== 'string' || !name)
      throw new RancherError(422, 'MissingRequired', 'metadata.name is required', 'metadata.name');
    if (!DNS_LABEL.test(name) || name.length > 63) {
      throw new RancherError(
        422,
        'InvalidFormat',
        `metadata.name: Invalid value: "${name}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
        'metadata.name',
      );
    }
    if (meta.namespace === undefined)
      throw new RancherError(422, 'MissingRequired', 'metadata.namespace is required', 'metadata.namespace');
    if (meta.namespace !== NAMESPACE)
      throw new RancherError(
        422,
        'InvalidFormat',
        `metadata.namespace: clusters are created in "${NAMESPACE}", got "${String(meta.namespace)}"`,
        'metadata.namespace',
      );
    const spec = validateSpec(body.spec);
    if (this.prov.has(name))
      throw new RancherError(
        409,
        'AlreadyExists',
        `clusters.provisioning.cattle.io "${name}" already exists`,
      );
    if ([...this.mgmt.values()].some((c) => c.name === name))
      throw new RancherError(409, 'AlreadyExists', `a cluster named "${name}" already exists`);

    const ts = Date.now();
    const mgmtId = `c-m-${rand(8)}`;
    const distro = /k3s/.test(spec.kubernetesVersion) ? 'k3s' : 'rke2';
    const c: ProvCluster = {
      metadata: {
        name,
        namespace: NAMESPACE,
        uid: randomUUID(),
        resourceVersion: String(++this.revision),
        generation: 1,
        creationTimestamp: new Date(ts).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        labels: strMap(meta.labels),
        annotations: {
          ...strMap(meta.annotations),
          ...(failTask ? { 'sim.berth.io/fail-task': failTask } : {}),
        },
        finalizers: ['wrangler.cattle.io/provisioning-cluster-remove'],
        state: {
          name: 'provisioning',
          error: false,
          transitioning: true,
          message: 'waiting for at least one control plane, etcd, and worker node to be registered',
        },
      },
      spec,
      status: {
        clusterName: mgmtId,
        conditions: [
          cond('Ready', 'False', 'waiting for cluster agent to connect', 'Waiting', { transitioning: true }),
          cond(
            'Provisioned',
            'Unknown',
            'waiting for at least one control plane, etcd, and worker node to be registered',
            'Waiting',
            { transitioning: true },
          ),
          cond('Updated', 'True'),
          cond('Created', 'True'),
        ],
        observedGeneration: 1,
        ready: false,
        fleetWorkspaceName: NAMESPACE,
        clientSecretName: `${name}-kubeconfig`,
      },
    };
    this.prov.set(name, c);
    this.mgmt.set(mgmtId, {
      id: mgmtId,
      name,
      description: '',
      driver: distro,
      provider: distro,
      state: 'provisioning',
      transitioning: 'yes',
      transitioningMessage: c.metadata.state.message,
      conditions: [
        cond('Provisioned', 'Unknown'),
        cond('Ready', 'Unknown', 'Waiting for API to be available'),
      ],
      created: new Date(ts).toISOString(),
      createdTS: ts,
      uuid: randomUUID(),
      labels: { 'provider.cattle.io': distro },
      annotations: {},
      version: { gitVersion: spec.kubernetesVersion },
      provName: name,
    });
    const cycle = this.nextCycle(name);
    this.later(DELAYS.provision, () => this.finishProvisioning(name, cycle));
    return c;
  }

  private nextCycle(name: string): number {
    const n = (this.cycles.get(name) ?? 0) + 1;
    this.cycles.set(name, n);
    return n;
  }

  private touch(c: ProvCluster): void {
    c.metadata.resourceVersion = String(++this.revision);
  }

  private setState(
    c: ProvCluster,
    mgmtState: string,
    transitioning: MgmtCluster['transitioning'],
    message: string,
  ): void {
    const m = this.mgmt.get(c.status.clusterName);
    c.metadata.state = {
      name: mgmtState,
      error: transitioning === 'error',
      transitioning: transitioning === 'yes',
      message,
    };
    if (m) Object.assign(m, { state: mgmtState, transitioning, transitioningMessage: message });
  }

  private finishProvisioning(name: string, cycle: number): void {
    const c = this.prov.get(name);
    if (!c || c.metadata.deletionTimestamp || this.cycles.get(name) !== cycle) return;
    const m = this.mgmt.get(c.status.clusterName)!;
    const fail = c.metadata.annotations['sim.berth.io/fail-task'];
    if (fail) {
      setCond(c.status.conditions, cond('Ready', 'False', fail, 'Error', { error: true }));
      setCond(c.status.conditions, cond('Provisioned', 'False', fail, 'Error', { error: true }));
      setCond(m.conditions, cond('Ready', 'False', fail, 'Error', { error: true }));
      this.setState(c, 'error', 'error', fail);
      this.touch(c);
      return;
    }
    m.target = this.pickTarget();
    for (const pool of c.spec.rkeConfig.machinePools) {
      for (let i = 0; i < pool.quantity; i++)
        this.addNode(m, { pool, state: 'active', kubeletVersion: c.spec.kubernetesVersion });
    }
    this.markReady(c, m);
  }

  private markReady(c: ProvCluster, m: MgmtCluster): void {
    for (const type of ['Ready', 'Provisioned', 'Updated']) setCond(c.status.conditions, cond(type, 'True'));
    setCond(m.conditions, cond('Provisioned', 'True'));
    setCond(m.conditions, cond('Ready', 'True'));
    c.status.ready = true;
    c.status.agentDeployed = true;
    c.status.observedGeneration = c.metadata.generation;
    m.version = { gitVersion: c.spec.kubernetesVersion };
    this.setState(c, 'active', 'no', '');
    this.touch(c);
  }

  /** PUT: requires the current resourceVersion; spec changes start an update cycle (scale / upgrade). */
  updateProv(c: ProvCluster, body: Record<string, unknown> | undefined): ProvCluster {
    if (!body || typeof body !== 'object')
      throw new RancherError(422, 'InvalidBodyContent', 'request body must be a JSON object');
    const meta = (body.metadata ?? {}) as Record<string, unknown>;
    if (meta.resourceVersion !== c.metadata.resourceVersion) {
      throw new RancherError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on clusters.provisioning.cattle.io "${c.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    if (meta.name !== undefined && meta.name !== c.metadata.name)
      throw new RancherError(422, 'InvalidFormat', 'metadata.name cannot change', 'metadata.name');
    if (c.metadata.deletionTimestamp)
      throw new RancherError(409, 'Conflict', `cluster "${c.metadata.name}" is being deleted`);
    const spec = validateSpec(body.spec);
    const labels = meta.labels === undefined ? c.metadata.labels : strMap(meta.labels);
    const annotations = meta.annotations === undefined ? c.metadata.annotations : strMap(meta.annotations);
    const specChanged = JSON.stringify(spec) !== JSON.stringify(c.spec);
    const metaChanged =
      JSON.stringify([labels, annotations]) !== JSON.stringify([c.metadata.labels, c.metadata.annotations]);
    if (!specChanged && !metaChanged) return c; // a no-op update keeps the resourceVersion, as in Kubernetes
    c.metadata.labels = labels;
    c.metadata.annotations = annotations;
    if (specChanged) {
      const upgrading = spec.kubernetesVersion !== c.spec.kubernetesVersion;
      c.spec = spec;
      c.metadata.generation++;
      // As the real controller: the generation is observed at once, and Ready / Updated stay True until the
      // planner picks the change up a moment later. Only machine counts and the planner's Updated condition
      // tell that the change is not done yet.
      c.status.observedGeneration = c.metadata.generation;
      if (c.status.ready || c.metadata.state.name === 'updating') {
        const cycle = this.nextCycle(c.metadata.name);
        this.later(DELAYS.plan, () => {
          if (this.cycles.get(c.metadata.name) === cycle && !c.metadata.deletionTimestamp)
            this.startUpdate(c, upgrading, cycle);
        });
      }
    }
    this.touch(c);
    return c;
  }

  /** The planner starts: machines are created and deleted, Updated waits until they are all in place. */
  private startUpdate(c: ProvCluster, upgrading: boolean, cycle: number): void {
    const m = this.mgmt.get(c.status.clusterName)!;
    const message = upgrading
      ? `upgrading Kubernetes to ${c.spec.kubernetesVersion}`
      : 'configuring worker node(s): waiting for machines to be reconciled';
    // A planner that is waiting leaves Updated Unknown with reason Waiting (False means it failed).
    setCond(c.status.conditions, cond('Updated', 'Unknown', message, 'Waiting', { transitioning: true }));
    this.setState(c, 'updating', 'yes', message);
    // New machines appear as provisioning; surplus ones are deleted: those marked with the delete-machine
    // annotation first, then the newest.
    const nodes = this.nodesOf(m.id);
    for (const pool of c.spec.rkeConfig.machinePools) {
      const live = nodes.filter((n) => n.pool === pool.name && n.state !== 'removing');
      for (let i = live.length; i < pool.quantity; i++)
        this.addNode(m, { pool, state: 'provisioning', kubeletVersion: c.spec.kubernetesVersion });
      const order = [
        ...live.filter((n) => n.machine?.annotations[DELETE_MACHINE] !== undefined),
        ...live.filter((n) => n.machine?.annotations[DELETE_MACHINE] === undefined).reverse(),
      ];
      for (const n of order.slice(0, Math.max(0, live.length - pool.quantity))) this.startRemoving(n);
    }
    const pools = new Set(c.spec.rkeConfig.machinePools.map((p) => p.name));
    for (const n of nodes) if (n.pool && !pools.has(n.pool) && n.state !== 'removing') this.startRemoving(n);
    this.touch(c);
    this.later(DELAYS.scale, () => {
      if (this.cycles.get(c.metadata.name) !== cycle || c.metadata.deletionTimestamp) return;
      for (const n of this.nodesOf(m.id)) {
        if (n.state === 'removing') this.nodes.delete(n.id);
        else
          Object.assign(n, {
            state: 'active',
            transitioning: 'no',
            transitioningMessage: '',
            info: { ...n.info, kubernetes: { kubeletVersion: c.spec.kubernetesVersion } },
          });
      }
      this.markReady(c, m);
    });
  }

  private startRemoving(n: NodeRecord): void {
    Object.assign(n, { state: 'removing', transitioning: 'yes', transitioningMessage: 'draining node' });
    if (n.machine && !n.machine.deletionTimestamp) {
      n.machine.deletionTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      n.machine.resourceVersion = String(++this.revision);
    }
  }

  // ---- CAPI machines (cluster.x-k8s.io/v1beta1, read through Steve) ----

  /** The machines of provisioned clusters in fleet-default (optionally of one cluster). */
  machines(cluster?: string): NodeRecord[] {
    return [...this.nodes.values()].filter((n) => n.machine && (!cluster || n.machine.cluster === cluster));
  }

  machine(name: string): NodeRecord {
    const n = this.machines().find((x) => x.machine!.name === name);
    if (!n) throw new RancherError(404, 'NotFound', `machines.cluster.x-k8s.io "${name}" not found`);
    return n;
  }

  /** PUT of a machine: only metadata.annotations and labels change (spec and status belong to CAPI). */
  updateMachine(n: NodeRecord, body: Record<string, unknown> | undefined): NodeRecord {
    const meta = (body?.metadata ?? {}) as Record<string, unknown>;
    if (meta.resourceVersion !== n.machine!.resourceVersion)
      throw new RancherError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on machines.cluster.x-k8s.io "${n.machine!.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    if (meta.annotations !== undefined) n.machine!.annotations = strMap(meta.annotations);
    n.machine!.resourceVersion = String(++this.revision);
    return n;
  }

  deleteProv(c: ProvCluster): ProvCluster {
    if (!c.metadata.deletionTimestamp) {
      c.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      this.setState(c, 'removing', 'yes', 'removing cluster');
      for (const n of this.nodesOf(c.status.clusterName)) this.startRemoving(n);
      this.touch(c);
      this.later(DELAYS.remove, () => {
        this.prov.delete(c.metadata.name);
        this.purge(c.status.clusterName);
        this.revision++;
      });
    }
    return c;
  }

  // ---- nodes ----

  nodesOf(mgmtId: string): NodeRecord[] {
    return [...this.nodes.values()].filter((n) => n.clusterId === mgmtId);
  }

  private addNode(
    m: MgmtCluster,
    o: {
      pool?: MachinePool;
      etcd?: boolean;
      controlPlane?: boolean;
      worker?: boolean;
      state: string;
      kubeletVersion: string;
    },
  ): NodeRecord {
    const pool = o.pool;
    const nodeName = pool
      ? `${m.name}-${pool.name}-${rand(5)}-${rand(5)}`
      : `${m.name}-node-${this.nodesOf(m.id).length + 1}`;
    const ip = `10.42.${Math.floor(this.ipSeq / 250)}.${(this.ipSeq++ % 250) + 2}`;
    const roles = {
      etcd: pool ? !!pool.etcdRole : !!o.etcd,
      controlPlane: pool ? !!pool.controlPlaneRole : !!o.controlPlane,
      worker: pool ? !!pool.workerRole : !!o.worker,
    };
    const n: NodeRecord = {
      id: `${m.id}:m-${rand(5)}`,
      type: 'node',
      clusterId: m.id,
      nodeName,
      hostname: nodeName,
      requestedHostname: nodeName,
      ipAddress: ip,
      internalNodeIp: ip,
      state: o.state,
      transitioning: o.state === 'active' ? 'no' : 'yes',
      transitioningMessage: o.state === 'active' ? '' : 'provisioning machine',
      ...roles,
      // v3 node pools are RKE1's: RKE2/K3s nodes have none, and the machine pool label lives on the CAPI
      // Machine, not on the Kubernetes node.
      nodePoolId: '',
      labels: {
        'kubernetes.io/hostname': nodeName,
        ...(roles.controlPlane ? { 'node-role.kubernetes.io/control-plane': 'true' } : {}),
        ...(roles.etcd ? { 'node-role.kubernetes.io/etcd': 'true' } : {}),
        ...(roles.worker ? { 'node-role.kubernetes.io/worker': 'true' } : {}),
      },
      info: {
        kubernetes: { kubeletVersion: o.kubeletVersion },
        os: { operatingSystem: 'SUSE Linux Enterprise Server 15 SP6' },
      },
      created: now(),
      uuid: randomUUID(),
      pool: pool?.name,
      ...(pool && m.provName
        ? {
            machine: {
              name: nodeName,
              uid: randomUUID(),
              cluster: m.provName,
              resourceVersion: String(++this.revision),
              annotations: {},
              creationTimestamp: now(),
            },
          }
        : {}),
    };
    this.nodes.set(n.id, n);
    return n;
  }
}

function setCond(list: Condition[], c: Condition): void {
  const i = list.findIndex((x) => x.type === c.type);
  if (i < 0) list.push(c);
  else list[i] = c;
}

function strMap(v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v))
    throw new RancherError(422, 'InvalidFormat', 'labels and annotations must be string maps');
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
}

/** Validates a provisioning cluster spec (the parts Berth uses) and returns a normalized copy. */
function validateSpec(raw: unknown): ProvCluster['spec'] {
  if (!raw || typeof raw !== 'object')
    throw new RancherError(422, 'MissingRequired', 'spec is required', 'spec');
  const spec = JSON.parse(JSON.stringify(raw)) as ProvCluster['spec'];
  if (typeof spec.kubernetesVersion !== 'string' || !spec.kubernetesVersion)
    throw new RancherError(
      422,
      'MissingRequired',
      'spec.kubernetesVersion is required',
      'spec.kubernetesVersion',
    );
  if (!/^v\d+\.\d+\.\d+\+(rke2|k3s)r?\d+$/.test(spec.kubernetesVersion)) {
    throw new RancherError(
      422,
      'InvalidFormat',
      `spec.kubernetesVersion "${spec.kubernetesVersion}" is not an RKE2/K3s version (e.g. v1.31.4+rke2r1)`,
      'spec.kubernetesVersion',
    );
  }
  const pools = spec.rkeConfig?.machinePools;
  if (!Array.isArray(pools) || pools.length === 0)
    throw new RancherError(
      422,
      'MissingRequired',
      'spec.rkeConfig.machinePools is required',
      'spec.rkeConfig.machinePools',
    );
  const names = new Set<string>();
  for (const [i, p] of pools.entries()) {
    const f = `spec.rkeConfig.machinePools[${i}]`;
    if (!p || typeof p !== 'object')
      throw new RancherError(422, 'InvalidFormat', `${f} must be an object`, f);
    if (typeof p.name !== 'string' || !p.name)
      throw new RancherError(422, 'MissingRequired', `${f}.name is required`, `${f}.name`);
    if (!DNS_LABEL.test(p.name))
      throw new RancherError(
        422,
        'InvalidFormat',
        `${f}.name "${p.name}" must be a lowercase RFC 1123 label`,
        `${f}.name`,
      );
    if (names.has(p.name))
      throw new RancherError(422, 'InvalidFormat', `duplicate machine pool name "${p.name}"`, `${f}.name`);
    names.add(p.name);
    if (p.quantity === undefined) p.quantity = 1;
    if (!Number.isInteger(p.quantity) || p.quantity < 0)
      throw new RancherError(
        422,
        'InvalidFormat',
        `${f}.quantity must be a non-negative integer`,
        `${f}.quantity`,
      );
    if (
      !p.machineConfigRef ||
      typeof p.machineConfigRef.kind !== 'string' ||
      typeof p.machineConfigRef.name !== 'string'
    ) {
      throw new RancherError(
        422,
        'MissingRequired',
        `${f}.machineConfigRef {kind, name} is required`,
        `${f}.machineConfigRef`,
      );
    }
    if (!p.etcdRole && !p.controlPlaneRole && !p.workerRole)
      throw new RancherError(
        422,
        'InvalidFormat',
        `${f} needs at least one of etcdRole, controlPlaneRole, workerRole`,
        f,
      );
  }
  for (const role of ['etcdRole', 'controlPlaneRole'] as const) {
    if (!pools.some((p) => p[role] && p.quantity > 0))
      throw new RancherError(
        422,
        'InvalidFormat',
        `at least one machine pool with ${role} and quantity > 0 is required`,
        'spec.rkeConfig.machinePools',
      );
  }
  return spec;
}
