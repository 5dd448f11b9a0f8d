import type { OutboundPolicy } from '../common/outbound/outbound-policy.js';
import type { FieldError } from '../common/app-error.js';
import type { VendorRetryPolicy } from '../common/http/vendor-caller.js';
import type { ClusterProviderName } from './vendor-registry.js';

/** Vendors Berth can create clusters at (imported clusters have no provider): from the vendor registry. */
export type ProviderName = ClusterProviderName;

/** What a provider can do; the API refuses what is not listed with a clear 422. */
export interface ProviderCapabilities {
  create: boolean;
  destroy: boolean;
  /** Vendor-side fields `PATCH /clusters/:id` may change (others stay Berth-only). */
  update: ('name' | 'description' | 'deletion_protection')[];
  node_pools: { list: boolean; create: boolean; resize: boolean; delete: boolean; autoscaling: boolean };
  remove_nodes: boolean;
}

/**
 * Where a vendor cluster is in its life, in Berth's words. `unavailable`: the vendor keeps the cluster
 * but it does not serve (ACK `inactive`, `disconnected`, `unavailable`): not a failed change, nothing to
 * wait for either.
 */
export type VendorPhase = 'provisioning' | 'running' | 'updating' | 'unavailable' | 'failed' | 'deleting';

export interface VendorCluster {
  id: string;
  name: string;
  phase: VendorPhase;
  /** The vendor's own state word (shown for diagnosis only). */
  vendor_state: string;
  version: string | null;
  message: string | null;
}

/** A neutral cluster spec; each provider validates what it needs and maps it to its own fields. */
export interface ClusterSpec {
  kubernetes_version?: string;
  vpc_id?: string;
  subnet_ids?: string[];
  service_cidr?: string;
  pod_cidr?: string;
  deletion_protection?: boolean;
  cloud_credential?: string;
  node_pools?: NodePoolSpec[];
  /** How Berth reaches the API server, for vendors that open access on request (TKE). */
  endpoint?: EndpointSpec;
}

export interface EndpointSpec {
  /** internal: a VPC address (needs a subnet); external: a public address. */
  access: 'internal' | 'external';
  subnet_id?: string;
  security_group?: string;
}

export interface NodePoolSpec {
  name: string;
  desired_size: number;
  instance_types?: string[];
  subnet_ids?: string[];
  autoscaling?: { enabled: boolean; min_size: number; max_size: number };
  roles?: ('etcd' | 'control-plane' | 'worker')[];
  machine_config?: { kind: string; name: string };
}

export type PoolPhase = 'provisioning' | 'active' | 'scaling' | 'updating' | 'deleting' | 'failed';

export interface VendorNodePool {
  id: string;
  name: string;
  phase: PoolPhase;
  vendor_state: string;
  desired_size: number;
  total_nodes: number;
  ready_nodes: number;
  instance_types: string[];
  autoscaling: { enabled: boolean; min_size: number; max_size: number } | null;
}

export interface VendorNode {
  instance_id: string;
  node_name: string;
  pool_id: string | null;
  state: string;
  ip: string | null;
}

/**
 * An opaque, JSON-serialisable ticket for a change the vendor carries out asynchronously. Handlers save
 * it in their checkpoint and ask `checkChange` until it is done, so a resumed run polls, never repeats.
 */
export type VendorChange = Record<string, string | number | boolean | null | string[]>;

/** A kubeconfig a vendor issued, with when the credential inside it stops working (null: not known, or never). */
export interface VendorKubeconfig {
  config: string;
  expires_at: Date | null;
  /** The vendor's primary context, chosen deliberately (absent: the kubeconfig's current-context). */
  context?: string;
  /** Which vendor setting makes it hand out `exec` users, for the refusal message. */
  exec_hint?: string;
}

export type ChangeState =
  | { state: 'running'; message?: string }
  | { state: 'succeeded' }
  | { state: 'failed'; message: string; vendor_code?: string };

/** One vendor behind one interface. Nothing outside src/providers knows a vendor field name. */
export interface ClusterProvider {
  readonly name: ProviderName;
  readonly capabilities: ProviderCapabilities;
  /** The vendor creates a cluster without the spec's node pools: Berth creates them once the cluster runs. */
  readonly poolsAfterCreate?: boolean;

  /** Problems of a spec for this vendor (empty = fine); field names are prefixed with `spec.`. */
  validateSpec(spec: ClusterSpec): FieldError[];
  /**
   * Problems of one node pool for this vendor (field names relative to the pool), with the cluster's spec
   * for its defaults (e.g. the cluster's subnets). Absent: the vendor needs nothing beyond the DTO.
   */
  validatePool?(pool: NodePoolSpec, cluster: ClusterSpec): FieldError[];
  /** The credential's region (clusters are created there unless the request names one). */
  readonly region: string;

  findClusterByName(name: string): Promise<VendorCluster | null>;
  createCluster(req: {
    name: string;
    region: string;
    description?: string | null;
    spec: ClusterSpec;
  }): Promise<{ id: string; change: VendorChange }>;
  /** null when the vendor no longer knows the cluster. */
  getCluster(id: string): Promise<VendorCluster | null>;
  updateCluster(
    id: string,
    change: { name?: string; description?: string; deletion_protection?: boolean },
  ): Promise<VendorChange | null>;
  deleteCluster(id: string): Promise<VendorChange>;
  /** The state of an asynchronous change started by this provider. */
  checkChange(change: VendorChange): Promise<ChangeState>;
  /**
   * Opens the access to the API server the spec asks for, where the vendor needs that before its
   * kubeconfig works (TKE endpoints). A change to wait for, or null when access is already open.
   */
  openAccess?(id: string, spec: ClusterSpec): Promise<VendorChange | null>;
  kubeconfig(id: string, spec?: ClusterSpec): Promise<string>;
  /**
   * A kubeconfig with the expiry of its credential (Rancher token TTLs, ACK's `expiration`). Providers that
   * do not implement it hand out kubeconfigs whose expiry Berth does not know (see `issueKubeconfig`).
   */
  kubeconfigWithExpiry?(id: string, spec?: ClusterSpec): Promise<VendorKubeconfig>;

  listNodePools(clusterId: string): Promise<VendorNodePool[]>;
  createNodePool(clusterId: string, pool: NodePoolSpec): Promise<{ id: string; change: VendorChange }>;
  resizeNodePool(
    clusterId: string,
    poolId: string,
    size: { desired_size?: number; autoscaling?: { enabled: boolean; min_size: number; max_size: number } },
  ): Promise<VendorChange>;
  deleteNodePool(clusterId: string, poolId: string): Promise<VendorChange>;
  listNodes(clusterId: string, poolId?: string): Promise<VendorNode[]>;
  removeNodes(clusterId: string, poolId: string, instanceIds: string[]): Promise<VendorChange>;
}

/** How the credential of a provider arrives (from CredentialsService.reveal). */
export interface RevealedProviderCredential {
  id: string;
  provider: string;
  settings: Record<string, unknown>;
  secrets: Record<string, string>;
}

/** Builds a provider from a revealed credential (the real SDK client). */
export type ClusterProviderFactory = (
  credential: RevealedProviderCredential,
  opts: VendorCallOptions,
) => ClusterProvider;

/** The deadline and retries of every call to the vendor (see common/http/vendor-caller), and its outbound policy. */
export interface VendorCallOptions extends VendorRetryPolicy {
  /** Which addresses the vendor endpoint may resolve to; checked on every connection (see common/outbound). */
  outbound?: OutboundPolicy;
}

/** A vendor kubeconfig with its expiry when the provider can tell it, else with none. */
export async function issueKubeconfig(
  provider: ClusterProvider,
  id: string,
  spec?: ClusterSpec,
): Promise<VendorKubeconfig> {
  if (provider.kubeconfigWithExpiry) return provider.kubeconfigWithExpiry(id, spec);
  return { config: await provider.kubeconfig(id, spec), expires_at: null };
}
