// Rancher v2.x simulator: the v3 (Norman) management API and the v1 (Steve) provisioning API, with
// Rancher's auth (Bearer token, CSRF for browser User-Agents), error body, collections and pagination.
// State and lifecycles live in store.ts. See ../README.md.
import {
  SimServer,
  type Fault,
  type Handler,
  type SimRequest,
  type SimResponse,
} from '../common/sim-server.js';
import type { RunningSimulator, SimulatorOptions } from '../common/types.js';
import { testbedTargets, type KubeTarget } from '../common/kube-targets.js';
import { KwokFleet, type KwokNodeSpec } from '../common/kwok-nodes.js';
import {
  KUBECONFIG_TTL_MINUTES,
  NAMESPACE,
  RancherError,
  RancherStore,
  type MgmtCluster,
  type NodeRecord,
  type ProvCluster,
  type RegistrationToken,
} from './store.js';

/** The API token the simulator accepts (Rancher's "token-xxxxx:secret" form). */
export const RANCHER_TOKEN = 'token-sim42:berthsimulatorsecret0123456789abcdefghijklmnopqrstuvw';
const PROV = '/v1/provisioning.cattle.io.clusters';
const PROV_TYPE = 'provisioning.cattle.io.cluster';

export interface RancherSimulator extends RunningSimulator {
  vendor: 'rancher';
  store: RancherStore;
  /** Registers an imported cluster's agent now (normally it happens a while after its registration token is active). */
  registerCluster(clusterId: string): void;
  /** The setting kubeconfig-default-token-ttl-minutes (Rancher's default: 43200, 30 days); tests may shorten it. */
  setKubeconfigTtlMinutes(minutes: number): void;
  /** Kubeconfigs handed out per management cluster id (generateKubeconfig calls that succeeded). */
  kubeconfigsIssued: Map<string, number>;
}

const MACHINES = '/v1/cluster.x-k8s.io.machines';

/**
 * A kubeconfig as Rancher's generateKubeconfig writes it: the first cluster and the current context are the
 * cluster through Rancher (here: the testbed cluster); with the authorized cluster endpoint on, one more
 * cluster and context per control-plane node (`<cluster>-<node>`, https://<node ip>:6443), all with the
 * one user named after the cluster.
 */
function rancherKubeconfig(name: string, t: KubeTarget, nodes: { name: string; ip: string }[]): string {
  const entries = [
    { name, server: t.server },
    ...nodes.map((n) => ({ name: `${name}-${n.name}`, server: `https://${n.ip}:6443` })),
  ];
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    ...entries.flatMap((e) => [
      `- name: "${e.name}"`,
      '  cluster:',
      `    server: "${e.server}"`,
      `    certificate-authority-data: "${t.ca_data}"`,
    ]),
    '',
    'users:',
    `- name: "${name}"`,
    '  user:',
    `    token: "${t.token}"`,
    '',
    'contexts:',
    ...entries.flatMap((e) => [
      `- name: "${e.name}"`,
      '  context:',
      `    user: "${name}"`,
      `    cluster: "${e.name}"`,
    ]),
    '',
    `current-context: "${name}"`,
    '',
  ].join('\n');
}

const CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'PermissionDenied',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  422: 'InvalidBodyContent',
  429: 'TooManyRequests',
  500: 'ServerError',
  503: 'ClusterUnavailable',
};

function errorBody(
  status: number,
  code: string,
  message: string,
  fieldName?: string,
  extra: Record<string, string> = {},
): SimResponse {
  return {
    status,
    body: { type: 'error', links: {}, status, code, message, ...(fieldName ? { fieldName } : {}) },
    headers: extra,
  };
}

/** Routes plus an action label per route, so faults can match on `action` (e.g. "createCluster"). */
class RancherRoutes {
  private readonly table: { method: string; pattern: RegExp; action: (req: SimRequest) => string }[] = [];
  constructor(private readonly server: SimServer) {}

  add(method: string, path: string, action: string | ((req: SimRequest) => string), handler: Handler): void {
    this.table.push({
      method,
      pattern: new RegExp('^' + path.replace(/:(\w+)/g, '[^/]+') + '/?$'),
      action: typeof action === 'string' ? () => action : action,
    });
    this.server.route(method, path, async (req) => {
      try {
        return await handler(req);
      } catch (e) {
        if (!(e instanceof RancherError)) throw e;
        return errorBody(e.status, e.code, e.message, e.fieldName);
      }
    });
  }

  actionFor(req: SimRequest): string | undefined {
    return this.table.find((r) => r.method === req.method && r.pattern.test(req.path))?.action(req);
  }
}

export async function startRancherSimulator(opts: SimulatorOptions = {}): Promise<RancherSimulator> {
  const server: SimServer = new SimServer({
    renderFault: (f: Fault) =>
      f.kind === 'throttle'
        ? errorBody(
            f.status ?? 429,
            f.code ?? 'TooManyRequests',
            f.message ?? 'too many requests',
            undefined,
            { 'Retry-After': '1' },
          )
        : errorBody(
            f.status ?? 500,
            f.code ?? CODES[f.status ?? 500] ?? 'ServerError',
            f.message ?? 'simulated server error',
          ),
    notFound: (req) => errorBody(404, 'NotFound', `no route for ${req.method} ${req.path}`),
    before: async (req) => {
      req.action = routes.actionFor(req); // requests only arrive after `routes` is set up below
      if (!req.path.startsWith('/v3/import/')) await fleet.syncAll(wantedNodes());
      return authenticate(req);
    },
    state: () => ({
      clusters: [...store.mgmt.values()],
      provisioningClusters: [...store.prov.values()],
      clusterRegistrationTokens: [...store.tokens.values()],
      nodes: [...store.nodes.values()],
      revision: store.revision,
    }),
  });
  const routes = new RancherRoutes(server);
  // Machines of provisioned clusters that came up (and those being drained/removed) are kwok nodes in the
  // cluster's testbed target, named and labelled as RKE2 registers them (imported clusters' nodes are the
  // target's own).
  const fleet = new KwokFleet('rancher');
  const wantedNodes = () => {
    const out = new Map<string, { target?: KubeTarget; nodes: KwokNodeSpec[] }>();
    for (const m of store.mgmt.values()) {
      if (!m.provName) continue;
      const nodes = store
        .nodesOf(m.id)
        .filter((n) => n.machine && (n.state === 'active' || n.state === 'removing'))
        .map(rancherNodeSpec);
      out.set(m.id, { target: m.target, nodes });
    }
    return out;
  };
  let kubeconfigTtl = KUBECONFIG_TTL_MINUTES;
  const kubeconfigsIssued = new Map<string, number>();
  const store: RancherStore = new RancherStore(
    opts.targets ?? testbedTargets(),
    opts.timeScale ?? 1,
    () => server.url,
  );

  function authenticate(req: SimRequest): SimResponse | undefined {
    if (req.path === '/ping' || req.path.startsWith('/v3/import/')) return undefined;
    // Rancher enforces CSRF for browser User-Agents: the X-API-CSRF header must echo the CSRF cookie.
    if (/mozilla/i.test(String(req.headers['user-agent'] ?? ''))) {
      const cookie = /(?:^|;\s*)CSRF=([^;]+)/.exec(String(req.headers.cookie ?? ''))?.[1];
      if (!cookie || req.headers['x-api-csrf'] !== cookie)
        return errorBody(403, 'InvalidCSRFToken', 'Invalid CSRF token');
    }
    const auth = String(req.headers.authorization ?? '');
    let token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
    const basic = /^Basic\s+(.+)$/i.exec(auth)?.[1];
    if (basic) token = Buffer.from(basic, 'base64').toString('utf8');
    if (token?.trim() !== RANCHER_TOKEN) return errorBody(401, 'Unauthorized', 'must authenticate');
    return undefined;
  }

  const base = (req: SimRequest) => `http://${String(req.headers.host ?? '127.0.0.1')}`;
  const bodyOf = (req: SimRequest): Record<string, unknown> | undefined => {
    if (req.rawBody.length && req.body === undefined)
      throw new RancherError(
        422,
        'InvalidBodyContent',
        'request body is not valid JSON (Content-Type must be application/json)',
      );
    return req.body as Record<string, unknown> | undefined;
  };

  // ---- views ----
  const clusterView = (req: SimRequest, c: MgmtCluster) => {
    const { provName: _p, target: _t, ...rest } = c;
    const self = `${base(req)}/v3/clusters/${c.id}`;
    return {
      ...rest,
      type: 'cluster',
      baseType: 'cluster',
      internal: false,
      nodeCount: store.nodesOf(c.id).length,
      fleetWorkspaceName: NAMESPACE,
      links: {
        self,
        update: self,
        remove: self,
        nodes: `${self}/nodes`,
        clusterRegistrationTokens: `${base(req)}/v3/clusterregistrationtokens?clusterId=${c.id}`,
      },
      actions: c.state === 'active' ? { generateKubeconfig: `${self}?action=generateKubeconfig` } : {},
    };
  };
  const tokenView = (req: SimRequest, t: RegistrationToken) => {
    const self = `${base(req)}/v3/clusterregistrationtokens/${t.id}`;
    return {
      ...t,
      baseType: 'clusterRegistrationToken',
      links: { self, update: self, remove: self },
      actions: {},
    };
  };
  const nodeView = (req: SimRequest, n: NodeRecord) => {
    const { pool: _pool, machine: _machine, ...rest } = n;
    const self = `${base(req)}/v3/nodes/${n.id}`;
    return { ...rest, baseType: 'node', links: { self, update: self, remove: self }, actions: {} };
  };
  const provView = (req: SimRequest, c: ProvCluster) => {
    const self = `${base(req)}${PROV}/${NAMESPACE}/${c.metadata.name}`;
    return {
      id: `${NAMESPACE}/${c.metadata.name}`,
      type: PROV_TYPE,
      links: {
        remove: self,
        self,
        update: self,
        view: `${base(req)}/apis/provisioning.cattle.io/v1/namespaces/${NAMESPACE}/clusters/${c.metadata.name}`,
      },
      apiVersion: 'provisioning.cattle.io/v1',
      kind: 'Cluster',
      ...structuredClone(c),
    };
  };

  /** Norman (v3) collection: field filters from the query, `limit` + `marker` paging, `pagination.next`. */
  const v3Collection = <T extends { id: string }>(
    req: SimRequest,
    resourceType: string,
    items: T[],
    view: (it: T) => unknown,
  ): SimResponse => {
    const reserved = new Set(['limit', 'marker', 'sort', 'order', 'action']);
    const filters: Record<string, string> = {};
    for (const [k, v] of req.query) if (!reserved.has(k)) filters[k] = v;
    const matched = items.filter((it) =>
      Object.entries(filters).every(([k, v]) => String((it as Record<string, unknown>)[k]) === v),
    );
    const limitRaw = req.query.get('limit');
    const limit = limitRaw && /^\d+$/.test(limitRaw) && Number(limitRaw) > 0 ? Number(limitRaw) : 1000;
    const marker = req.query.get('marker');
    const start = marker
      ? Math.max(
          0,
          matched.findIndex((it) => it.id === marker),
        )
      : 0;
    const page = matched.slice(start, start + limit);
    const following = matched[start + limit];
    const url = (extra: Record<string, string>) => {
      const q = new URLSearchParams(req.query);
      q.delete('marker');
      for (const [k, v] of Object.entries(extra)) q.set(k, v);
      return `${base(req)}${req.path}?${q.toString()}`;
    };
    return {
      status: 200,
      body: {
        type: 'collection',
        links: { self: `${base(req)}${req.path}${req.query.size ? '?' + req.query.toString() : ''}` },
        createTypes: { [resourceType]: `${base(req)}${req.path}` },
        actions: {},
        pagination: {
          limit,
          total: matched.length,
          ...(marker ? { marker, first: url({ limit: String(limit) }) } : {}),
          ...(following ? { next: url({ limit: String(limit), marker: following.id }), partial: true } : {}),
        },
        sort: { order: 'asc', reverse: `${base(req)}${req.path}?order=desc`, links: {} },
        filters: Object.fromEntries(
          Object.entries(filters).map(([k, v]) => [k, [{ modifier: 'eq', value: v }]]),
        ),
        resourceType,
        data: page.map(view),
      },
    };
  };

  // ---- misc ----
  routes.add('GET', '/ping', 'ping', () => ({ status: 200, body: 'pong' }));
  routes.add('GET', '/v3/settings/:name', 'getSetting', (req) => {
    const values: Record<string, string> = {
      'server-version': 'v2.11.0',
      'server-url': base(req),
      'k8s-version': 'v1.31.4',
      'kubeconfig-default-token-ttl-minutes': String(kubeconfigTtl),
    };
    if (!(req.params.name in values))
      throw new RancherError(404, 'NotFound', `settings.management.cattle.io "${req.params.name}" not found`);
    return {
      status: 200,
      body: { id: req.params.name, type: 'setting', name: req.params.name, value: values[req.params.name] },
    };
  });
  routes.add('GET', '/v3/import/:file', 'getImportManifest', (req) => ({
    status: 200,
    headers: { 'content-type': 'application/yaml' },
    body: `# Rancher agent manifest (simulated) for ${req.params.file
      .replace(/\.yaml$/, '')
      .split('_')
      .pop()}\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: cattle-system\n`,
  }));

  // ---- v3 clusters ----
  routes.add('GET', '/v3/clusters', 'listClusters', (req) =>
    v3Collection(req, 'cluster', [...store.mgmt.values()], (c) => clusterView(req, c)),
  );
  routes.add('POST', '/v3/clusters', 'createCluster', (req) => {
    const body = bodyOf(req);
    const fail = server.faults.take(req, ['fail-task']);
    const c = store.importCluster(
      body,
      fail ? (fail.message ?? 'Cluster agent is not connected: simulated registration failure') : undefined,
    );
    return { status: 201, body: clusterView(req, c) };
  });
  routes.add('GET', '/v3/clusters/:id', 'getCluster', (req) => ({
    status: 200,
    body: clusterView(req, store.mgmtCluster(req.params.id)),
  }));
  routes.add('PUT', '/v3/clusters/:id', 'updateCluster', (req) => ({
    status: 200,
    body: clusterView(req, store.updateMgmt(store.mgmtCluster(req.params.id), bodyOf(req))),
  }));
  routes.add('DELETE', '/v3/clusters/:id', 'deleteCluster', (req) => {
    const c = store.mgmtCluster(req.params.id);
    store.deleteMgmt(c);
    return { status: 200, body: clusterView(req, c) };
  });
  routes.add(
    'POST',
    '/v3/clusters/:id',
    (req) => req.query.get('action') ?? 'clusterAction',
    (req) => {
      const c = store.mgmtCluster(req.params.id);
      const action = req.query.get('action');
      if (!action) throw new RancherError(405, 'MethodNotAllowed', 'POST on a cluster needs ?action=');
      if (action !== 'generateKubeconfig')
        throw new RancherError(422, 'InvalidAction', `Invalid action: ${action}`);
      if (c.state !== 'active' || !c.target)
        throw new RancherError(
          503,
          'ClusterUnavailable',
          `cluster ${c.id} is not available (state ${c.state})`,
        );
      const prov = c.provName ? store.prov.get(c.provName) : undefined;
      const ace =
        (prov?.spec.localClusterAuthEndpoint as { enabled?: boolean } | undefined)?.enabled === true;
      const controlPlanes = ace
        ? store
            .nodesOf(c.id)
            .filter((n) => n.controlPlane && n.state === 'active')
            .map((n) => ({ name: n.nodeName, ip: n.ipAddress }))
        : [];
      kubeconfigsIssued.set(c.id, (kubeconfigsIssued.get(c.id) ?? 0) + 1);
      return {
        status: 200,
        body: {
          type: 'generateKubeConfigOutput',
          baseType: 'generateKubeConfigOutput',
          config: rancherKubeconfig(c.name, c.target, controlPlanes),
        },
      };
    },
  );
  routes.add('GET', '/v3/clusters/:id/nodes', 'listNodes', (req) => {
    const c = store.mgmtCluster(req.params.id);
    return v3Collection(req, 'node', store.nodesOf(c.id), (n) => nodeView(req, n));
  });

  // ---- v3 registration tokens and nodes ----
  routes.add('GET', '/v3/clusterregistrationtokens', 'listClusterRegistrationTokens', (req) =>
    v3Collection(req, 'clusterRegistrationToken', [...store.tokens.values()], (t) => tokenView(req, t)),
  );
  routes.add('GET', '/v3/clusterregistrationtokens/:id', 'getClusterRegistrationToken', (req) => ({
    status: 200,
    body: tokenView(req, store.token(req.params.id)),
  }));
  routes.add('POST', '/v3/clusterregistrationtokens', 'createClusterRegistrationToken', (req) => ({
    status: 201,
    body: tokenView(req, store.createToken(bodyOf(req))),
  }));
  routes.add('GET', '/v3/nodes', 'listNodes', (req) =>
    v3Collection(req, 'node', [...store.nodes.values()], (n) => nodeView(req, n)),
  );
  routes.add('GET', '/v3/nodes/:id', 'getNode', (req) => {
    const n = store.nodes.get(req.params.id);
    if (!n)
      throw new RancherError(
        404,
        'NotFound',
        `nodes.management.cattle.io "${req.params.id.split(':').pop()}" not found`,
      );
    return { status: 200, body: nodeView(req, n) };
  });

  // ---- v1 provisioning clusters (Steve) ----
  const provList = (req: SimRequest): SimResponse => {
    const all = [...store.prov.values()];
    const limitRaw = req.query.get('limit');
    const limit =
      limitRaw && /^\d+$/.test(limitRaw) && Number(limitRaw) > 0 ? Number(limitRaw) : all.length || 1;
    const cont = req.query.get('continue');
    const start = cont ? Number(Buffer.from(cont, 'base64url').toString('utf8')) || 0 : 0;
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return {
      status: 200,
      body: {
        type: 'collection',
        links: { self: `${base(req)}${PROV}` },
        createTypes: { [PROV_TYPE]: `${base(req)}${PROV}` },
        actions: {},
        resourceType: PROV_TYPE,
        revision: String(store.revision),
        ...(more ? { continue: Buffer.from(String(start + limit)).toString('base64url') } : {}),
        count: page.length,
        data: page.map((c) => provView(req, c)),
      },
    };
  };
  const inNamespace = (req: SimRequest) => {
    if (req.params.ns !== NAMESPACE)
      throw new RancherError(
        404,
        'NotFound',
        `clusters.provisioning.cattle.io "${req.params.name}" not found`,
      );
    return store.provCluster(req.params.name);
  };
  routes.add('GET', PROV, 'listClusters', provList);
  routes.add('GET', `${PROV}/:ns`, 'listClusters', provList);
  routes.add('POST', PROV, 'createCluster', (req) => {
    const body = bodyOf(req);
    const fail = server.faults.take(req, ['fail-task']);
    const c = store.createProv(
      body,
      fail ? (fail.message ?? 'failed to provision machines: simulated infrastructure failure') : undefined,
    );
    return { status: 201, body: provView(req, c) };
  });
  routes.add('GET', `${PROV}/:ns/:name`, 'getCluster', (req) => ({
    status: 200,
    body: provView(req, inNamespace(req)),
  }));
  routes.add('PUT', `${PROV}/:ns/:name`, 'updateCluster', (req) => ({
    status: 200,
    body: provView(req, store.updateProv(inNamespace(req), bodyOf(req))),
  }));
  routes.add('DELETE', `${PROV}/:ns/:name`, 'deleteCluster', (req) => ({
    status: 200,
    body: provView(req, store.deleteProv(inNamespace(req))),
  }));

  // ---- v1 CAPI machines (Steve) ----
  const machineView = (req: SimRequest, n: NodeRecord) => {
    const m = n.machine!;
    const prov = store.prov.get(m.cluster);
    const pool = prov?.spec.rkeConfig.machinePools.find((p) => p.name === n.pool);
    const self = `${base(req)}${MACHINES}/${NAMESPACE}/${m.name}`;
    const phase = m.deletionTimestamp ? 'Deleting' : n.state === 'active' ? 'Running' : 'Provisioning';
    return {
      id: `${NAMESPACE}/${m.name}`,
      type: 'cluster.x-k8s.io.machine',
      links: { remove: self, self, update: self, view: self },
      apiVersion: 'cluster.x-k8s.io/v1beta1',
      kind: 'Machine',
      metadata: {
        name: m.name,
        namespace: NAMESPACE,
        uid: m.uid,
        resourceVersion: m.resourceVersion,
        creationTimestamp: m.creationTimestamp,
        ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
        labels: {
          'cluster.x-k8s.io/cluster-name': m.cluster,
          'rke.cattle.io/cluster-name': m.cluster,
          'cluster.x-k8s.io/deployment-name': `${m.cluster}-${n.pool}`,
          'rke.cattle.io/rke-machine-pool-name': n.pool ?? '',
          ...(n.controlPlane ? { 'rke.cattle.io/control-plane-role': 'true' } : {}),
          ...(n.etcd ? { 'rke.cattle.io/etcd-role': 'true' } : {}),
          ...(n.worker ? { 'rke.cattle.io/worker-role': 'true' } : {}),
        },
        annotations: { ...m.annotations },
      },
      spec: {
        clusterName: m.cluster,
        bootstrap: { configRef: { apiVersion: 'rke.cattle.io/v1', kind: 'RKEBootstrap', name: m.name } },
        infrastructureRef: {
          apiVersion: 'rke-machine.cattle.io/v1',
          kind: (pool?.machineConfigRef.kind ?? 'Config').replace(/Config$/, 'Machine'),
          name: m.name,
        },
        ...(n.state === 'active' ? { providerID: `rke2://${n.nodeName}` } : {}),
      },
      status: {
        phase,
        bootstrapReady: n.state === 'active',
        infrastructureReady: n.state !== 'provisioning',
        addresses: [{ type: 'InternalIP', address: n.ipAddress }],
        ...(n.state === 'active' ? { nodeRef: { apiVersion: 'v1', kind: 'Node', name: n.nodeName } } : {}),
      },
    };
  };
  const machineList = (req: SimRequest): SimResponse => {
    if (req.params.ns !== undefined && req.params.ns !== NAMESPACE)
      return {
        status: 200,
        body: { type: 'collection', resourceType: 'cluster.x-k8s.io.machine', count: 0, data: [] },
      };
    const selector = (req.query.get('labelSelector') ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=') as [string, string]);
    const data = store
      .machines()
      .map((n) => machineView(req, n))
      .filter((v) =>
        selector.every(([k, want]) => (v.metadata.labels as Record<string, string>)[k] === want),
      );
    return {
      status: 200,
      body: {
        type: 'collection',
        links: { self: `${base(req)}${MACHINES}` },
        actions: {},
        resourceType: 'cluster.x-k8s.io.machine',
        revision: String(store.revision),
        count: data.length,
        data,
      },
    };
  };
  routes.add('GET', MACHINES, 'listMachines', machineList);
  routes.add('GET', `${MACHINES}/:ns`, 'listMachines', machineList);
  routes.add('GET', `${MACHINES}/:ns/:name`, 'getMachine', (req) => ({
    status: 200,
    body: machineView(req, store.machine(req.params.name)),
  }));
  routes.add('PUT', `${MACHINES}/:ns/:name`, 'updateMachine', (req) => ({
    status: 200,
    body: machineView(req, store.updateMachine(store.machine(req.params.name), bodyOf(req))),
  }));

  const url = await server.listen(opts.port ?? 0);
  return {
    vendor: 'rancher',
    url,
    credential: { settings: { endpoint: url }, secrets: { token: RANCHER_TOKEN } },
    server,
    store,
    registerCluster: (id) => store.registerImported(store.mgmtCluster(id)),
    setKubeconfigTtlMinutes: (minutes) => {
      kubeconfigTtl = minutes;
    },
    kubeconfigsIssued,
    addFault: (f) => server.faults.add(f),
    clearFaults: () => server.faults.clear(),
    close: async () => {
      store.close();
      await fleet.close();
      await server.close();
    },
  };
}

/**
 * An RKE2 node as its kubelet registers it: the machine's hostname as node name, providerID
 * `rke2://<node name>` (RKE2 without a cloud provider), the role labels, and `rke.cattle.io/machine`
 * naming the CAPI machine's uid (the machine pool label stays on the Machine object).
 */
export function rancherNodeSpec(n: NodeRecord): KwokNodeSpec {
  return {
    name: n.nodeName,
    providerID: `rke2://${n.nodeName}`,
    ip: n.ipAddress,
    labels: { ...n.labels, 'rke.cattle.io/machine': n.machine!.uid, 'cattle.io/os': 'linux' },
  };
}
