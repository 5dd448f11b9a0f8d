import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import type { KubeClient } from './kube-client.js';

/** One resource type a cluster serves, as its discovery lists it. */
export interface ApiResource {
  /** Plural name, e.g. "deployments". */
  name: string;
  singular_name: string;
  kind: string;
  /** "" for the core group. */
  group: string;
  version: string;
  namespaced: boolean;
  verbs: string[];
  short_names: string[];
  subresources: string[];
}

interface DiscoveryList {
  kind?: string;
  items?: {
    metadata?: { name?: string };
    versions?: {
      version: string;
      resources?: {
        resource: string;
        singularResource?: string;
        responseKind?: { kind?: string };
        scope?: string;
        verbs?: string[];
        shortNames?: string[];
        subresources?: { subresource: string }[];
      }[];
    }[];
  }[];
}

const ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,' +
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList;q=0.9,application/json;q=0.8';
const TTL_MS = 60_000;

/**
 * Aggregated discovery (Kubernetes ≥ 1.27): two calls list every group, version and resource, CRDs
 * included. Cached per cluster client for a minute and refreshed once when a name is not found.
 */
export class Discovery {
  private cache?: { at: number; resources: ApiResource[] };
  private inflight?: Promise<ApiResource[]>;

  constructor(private readonly client: KubeClient) {}

  async resources(fresh = false): Promise<ApiResource[]> {
    if (!fresh && this.cache && Date.now() - this.cache.at < TTL_MS) return this.cache.resources;
    this.inflight ??= this.load().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async load(): Promise<ApiResource[]> {
    const [core, groups] = await Promise.all([
      this.client.json<DiscoveryList>('GET', '/api', { accept: ACCEPT }),
      this.client.json<DiscoveryList>('GET', '/apis', { accept: ACCEPT }),
    ]);
    if (core.kind !== 'APIGroupDiscoveryList' || groups.kind !== 'APIGroupDiscoveryList') {
      throw new AppError(
        ErrorCode.CLUSTER_API_ERROR,
        `Cluster ${this.client.cluster.name} does not serve aggregated discovery (Kubernetes ≥ 1.27 needed)`,
      );
    }
    const out: ApiResource[] = [];
    for (const group of [...(core.items ?? []), ...(groups.items ?? [])]) {
      const groupName = group.metadata?.name ?? '';
      for (const v of group.versions ?? []) {
        for (const r of v.resources ?? []) {
          out.push({
            name: r.resource,
            singular_name: r.singularResource ?? '',
            kind: r.responseKind?.kind ?? '',
            group: groupName,
            version: v.version,
            namespaced: r.scope === 'Namespaced',
            verbs: r.verbs ?? [],
            short_names: r.shortNames ?? [],
            subresources: (r.subresources ?? []).map((s) => s.subresource),
          });
        }
      }
    }
    this.cache = { at: Date.now(), resources: out };
    return out;
  }

  /**
   * Resolves "pods", "deployments.apps", "deploy", "Deployment" or "deployments.v1.apps" to the
   * preferred version of the first group that serves it (kubectl's order).
   */
  async resolve(name: string): Promise<ApiResource> {
    const found = this.match(await this.resources(), name) ?? this.match(await this.resources(true), name);
    if (!found) {
      throw new AppError(
        ErrorCode.RESOURCE_TYPE_UNKNOWN,
        `Cluster ${this.client.cluster.name} serves no resource type "${name}"`,
        {
          cluster_id: this.client.cluster.id,
          resource: name,
        },
      );
    }
    return found;
  }

  /** Finds the resource for an object's apiVersion + kind (apply). */
  async forKind(apiVersion: string, kind: string): Promise<ApiResource> {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const pick = (list: ApiResource[]) =>
      list.find((r) => r.group === group && r.version === version && r.kind === kind);
    const found = pick(await this.resources()) ?? pick(await this.resources(true));
    if (!found) {
      throw new AppError(
        ErrorCode.RESOURCE_TYPE_UNKNOWN,
        `Cluster ${this.client.cluster.name} serves no ${kind} in ${apiVersion}`,
        {
          cluster_id: this.client.cluster.id,
          api_version: apiVersion,
          kind,
        },
      );
    }
    return found;
  }

  private match(list: ApiResource[], raw: string): ApiResource | undefined {
    const name = raw.toLowerCase();
    const [first, ...rest] = name.split('.');
    const suffix = rest.join('.');
    const candidates = list.filter(
      (r) =>
        r.name === first ||
        r.singular_name === first ||
        r.short_names.includes(first) ||
        r.kind.toLowerCase() === first,
    );
    if (!suffix) return candidates[0];
    // "deployments.apps" (group) or "deployments.v1.apps" (version.group)
    return (
      candidates.find((r) => r.group === suffix) ??
      candidates.find((r) => `${r.version}.${r.group}` === suffix)
    );
  }
}

/** The REST path of a resource collection or object. */
export function resourcePath(r: ApiResource, namespace?: string, name?: string): string {
  const prefix = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${prefix}${ns}/${r.name}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

export const apiVersionOf = (r: ApiResource) => (r.group ? `${r.group}/${r.version}` : r.version);
