// "Nodes exist": when a simulated vendor pool scales, its instances join the real testbed cluster the
// simulated cluster points at, as kwok-managed Node objects carrying the labels and providerID the vendor
// sets. Berth's node records (berth_node), cordon, drain (evictions, PodDisruptionBudgets) and node
// removal then run against a real API server. Every simulator (ACK, TKE, Rancher) uses this helper.
import { request } from 'node:https';
import type { KubeTarget } from './kube-targets.js';

/** A node as the vendor's kubelet would register it. */
export interface KwokNodeSpec {
  name: string;
  /** The vendor's labels (pool id, instance type, zone …); the helper adds kwok's and its own. */
  labels: Record<string, string>;
  /** `spec.providerID` as the vendor's cloud controller sets it. */
  providerID: string;
  /** `InternalIP` address. */
  ip?: string;
}

/** Label on every node a simulator created: `<vendor>.<simulated cluster id>`, so cleanup never touches testbed nodes. */
export const SIM_OWNER_LABEL = 'berth.dev/simulated-by';

interface KubeAnswer {
  status: number;
  body: any;
}

function kube(t: KubeTarget, method: string, path: string, body?: unknown): Promise<KubeAnswer> {
  const u = new URL(path, t.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      {
        method,
        ca: t.ca_data ? Buffer.from(t.ca_data, 'base64') : undefined,
        headers: {
          authorization: `Bearer ${t.token}`,
          accept: 'application/json',
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${u.href}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

function manifest(owner: string, n: KwokNodeSpec): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'kwok.x-k8s.io/node': 'fake',
        'metrics.k8s.io/resource-metrics-path': `/metrics/nodes/${n.name}/metrics/resource`,
      },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': n.name,
        type: 'kwok',
        ...n.labels,
        [SIM_OWNER_LABEL]: owner,
      },
    },
    spec: { providerID: n.providerID },
    status: {
      allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
      capacity: { cpu: '4', memory: '16Gi', pods: '110' },
      addresses: n.ip ? [{ type: 'InternalIP', address: n.ip }] : [],
      nodeInfo: {
        architecture: 'amd64',
        bootID: '',
        containerRuntimeVersion: 'kwok',
        kernelVersion: '',
        kubeProxyVersion: 'fake',
        kubeletVersion: 'fake',
        machineID: '',
        operatingSystem: 'linux',
        osImage: '',
        systemUUID: '',
      },
      phase: 'Running',
    },
  };
}

/**
 * The kwok nodes of one simulated cluster in its target. `sync(want)` makes the target's nodes of this
 * owner exactly `want` (creates the missing, deletes the others); it remembers what it made, so a sync
 * that changes nothing sends no request. Calls are serialised per instance.
 */
export class KwokNodes {
  private known: Set<string> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  /** Last failure talking to the target (a simulator keeps answering; tests can assert on it). */
  lastError: string | null = null;

  constructor(
    readonly target: KubeTarget,
    /** `<vendor>.<simulated cluster id>` (a label value: ≤ 63 chars of [A-Za-z0-9._-]). */
    readonly owner: string,
  ) {}

  sync(want: KwokNodeSpec[]): Promise<void> {
    const run = this.queue.then(() => this.apply(want));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Removes every node of this owner (the simulated cluster was deleted, or the simulator closes). */
  removeAll(): Promise<void> {
    return this.sync([]);
  }

  /** Names of this owner's nodes in the target, read from the API server. */
  async list(): Promise<string[]> {
    const sel = encodeURIComponent(`${SIM_OWNER_LABEL}=${this.owner}`);
    const r = await kube(this.target, 'GET', `/api/v1/nodes?labelSelector=${sel}`);
    if (r.status !== 200) throw new Error(`list nodes of ${this.owner}: HTTP ${r.status}`);
    return (r.body.items as { metadata: { name: string } }[]).map((n) => n.metadata.name);
  }

  private async apply(want: KwokNodeSpec[]): Promise<void> {
    try {
      this.known ??= new Set(await this.list());
      const names = new Set(want.map((n) => n.name));
      for (const name of [...this.known].filter((n) => !names.has(n))) {
        const r = await kube(this.target, 'DELETE', `/api/v1/nodes/${encodeURIComponent(name)}`);
        if (r.status !== 200 && r.status !== 404) throw new Error(`delete node ${name}: HTTP ${r.status}`);
        this.known.delete(name);
      }
      for (const n of want.filter((x) => !this.known!.has(x.name))) {
        const r = await kube(this.target, 'POST', '/api/v1/nodes', manifest(this.owner, n));
        if (r.status !== 201 && r.status !== 409)
          throw new Error(`create node ${n.name}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        this.known.add(n.name);
      }
      this.lastError = null;
    } catch (e) {
      this.lastError = (e as Error).message;
      this.known = null; // read the truth again next time
      throw e;
    }
  }
}

/** One KwokNodes per simulated cluster; `syncAll` is what a simulator awaits before answering. */
export class KwokFleet {
  private readonly byCluster = new Map<string, KwokNodes>();

  constructor(private readonly vendor: string) {}

  /**
   * Makes the nodes of every listed cluster match: `clusters` maps a simulated cluster id to its target
   * (undefined: none yet) and its wanted nodes. Clusters that are no longer listed lose their nodes.
   * Failures are recorded on the cluster's KwokNodes (`lastError`) and do not stop the others.
   */
  async syncAll(clusters: Map<string, { target?: KubeTarget; nodes: KwokNodeSpec[] }>): Promise<void> {
    const jobs: Promise<void>[] = [];
    for (const [id, c] of clusters) {
      if (!c.target) continue;
      let k = this.byCluster.get(id);
      if (!k) {
        k = new KwokNodes(c.target, `${this.vendor}.${id}`.slice(0, 63));
        this.byCluster.set(id, k);
      }
      jobs.push(k.sync(c.nodes));
    }
    for (const [id, k] of this.byCluster) {
      if (clusters.has(id)) continue;
      jobs.push(k.removeAll().then(() => void this.byCluster.delete(id)));
    }
    await Promise.allSettled(jobs);
  }

  nodesOf(clusterId: string): KwokNodes | undefined {
    return this.byCluster.get(clusterId);
  }

  /** Removes every node this fleet created (call from the simulator's close). */
  async close(): Promise<void> {
    await Promise.allSettled([...this.byCluster.values()].map((k) => k.removeAll()));
    this.byCluster.clear();
  }
}
