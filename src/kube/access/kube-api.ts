import type { ClusterRef, KubeClient, KubeRequest } from '../client/kube-client.js';

const seg = encodeURIComponent;
const namespaced = (ns: string, resource: string, name?: string) =>
  `/api/v1/namespaces/${seg(ns)}/${resource}${name !== undefined ? `/${seg(name)}` : ''}`;

/** The few core objects other modules read and write, typed as loosely as Kubernetes allows. */
export interface KubeMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: { kind: string; name?: string }[];
}

export interface KubeSecret {
  apiVersion?: 'v1';
  kind?: 'Secret';
  type?: string;
  metadata: KubeMeta;
  data?: Record<string, string>;
}

export interface KubePodList<P> {
  items: P[];
  metadata: { continue?: string };
}

export const MERGE_PATCH = 'application/merge-patch+json';

/**
 * A small typed facade over one cluster's client for what modules outside src/kube need: secrets,
 * pods (by node, or page by page), eviction, node patches, the version. Every path segment is
 * URL-encoded here; no module outside src/kube builds a Kubernetes API path.
 */
export class KubeApi {
  constructor(readonly client: KubeClient) {}

  get cluster(): ClusterRef {
    return this.client.cluster;
  }

  createSecret<T = KubeSecret>(namespace: string, secret: KubeSecret): Promise<T> {
    return this.client.json<T>('POST', namespaced(namespace, 'secrets'), {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', ...secret }),
    });
  }

  deleteSecret(namespace: string, name: string): Promise<unknown> {
    return this.client.json('DELETE', namespaced(namespace, 'secrets', name));
  }

  /** The pods scheduled on a node, in every namespace. */
  podsOnNode<P = { metadata: KubeMeta }>(node: string): Promise<KubePodList<P>> {
    return this.client.json<KubePodList<P>>('GET', '/api/v1/pods', {
      query: { fieldSelector: `spec.nodeName=${node}` },
    });
  }

  /** One page of the pods of every namespace (`continue` from the previous page). */
  podsPage<P>(o: {
    limit: number;
    continue?: string;
    timeoutMs?: number;
    signal?: AbortSignal;
    /** One namespace only (default: every namespace). */
    namespace?: string;
  }): Promise<KubePodList<P>> {
    const path = o.namespace ? `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods` : '/api/v1/pods';
    return this.client.json<KubePodList<P>>('GET', path, {
      query: { limit: o.limit, continue: o.continue },
      timeoutMs: o.timeoutMs,
      signal: o.signal,
    });
  }

  /** Asks to evict a pod through the Eviction API (PodDisruptionBudgets are honoured: 429 means not now). */
  evict(namespace: string, name: string): Promise<unknown> {
    return this.client.json('POST', `${namespaced(namespace, 'pods', name)}/eviction`, {
      body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } }),
    });
  }

  /** Patches a node (merge patch unless told otherwise). */
  patchNode<T = unknown>(
    name: string,
    patch: Record<string, unknown>,
    contentType = MERGE_PATCH,
  ): Promise<T> {
    return this.client.json<T>('PATCH', `/api/v1/nodes/${seg(name)}`, {
      contentType,
      body: JSON.stringify(patch),
    });
  }

  /** The API server's version.Info. */
  version(
    req: Pick<KubeRequest, 'timeoutMs' | 'signal'> = {},
  ): Promise<{ gitVersion: string; major?: string; minor?: string }> {
    return this.client.json('GET', '/version', { accept: 'application/json', ...req });
  }
}
