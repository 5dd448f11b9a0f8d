import type { StreamableFile } from '@nestjs/common';
import { AccessService } from '../access/access.service.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';
import { page } from '../common/envelope.js';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { resourcePath } from './client/discovery.js';
import { itemsOf, type KubeList, type KubeObject } from './kube-list.js';
import { type KubePage, type ListOptions, ResourcesService } from './resources.service.js';

export type ScalableKind = 'deployments' | 'statefulsets';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

const MERGE_PATCH = 'application/merge-patch+json';
const STRATEGIC_PATCH = 'application/strategic-merge-patch+json';

/** Everyday changes to live objects: scale, restart, cordon, node labels and taints. */
@Injectable()
export class WorkloadsService {
  constructor(
    private readonly resources: ResourcesService,
    private readonly access: AccessService,
  ) {}

  /**
   * The namespaces the caller may read: all of them with a grant without a namespace limit; else only
   * those its grants name (or select), read from the cluster so that only existing ones are listed.
   */
  async namespaces(
    user: AuthUser,
    clusterId: string,
    q: ListOptions,
    signal?: AbortSignal,
  ): Promise<KubePage | StreamableFile> {
    const allowed = await this.access.permittedNamespaces(user, Verb.OBJECTS_READ, clusterId);
    if (allowed === 'all') return this.resources.list(user, clusterId, 'namespaces', q, signal);
    const { client, resource } = await this.resources.target(clusterId, 'namespaces', 'list');
    const names = new Set(allowed);
    const list = await client.json<KubeList>('GET', resourcePath(resource), {
      query: { labelSelector: q.label_selector, fieldSelector: q.field_selector },
      signal,
    });
    const items = itemsOf(list).filter((n) => names.has(n.metadata.name));
    const offset = (q.page - 1) * q.page_size;
    return {
      ...page(items.slice(offset, offset + q.page_size), items.length, q.page, q.page_size),
      api_version: 'v1',
      kind: 'Namespace',
    };
  }

  async createNamespace(
    clusterId: string,
    name: string,
    labels?: Record<string, string>,
  ): Promise<KubeObject> {
    const { client, resource } = await this.resources.target(clusterId, 'namespaces', 'create');
    return client.json<KubeObject>('POST', resourcePath(resource), {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }),
    });
  }

  async scale(
    clusterId: string,
    kind: ScalableKind,
    namespace: string,
    name: string,
    replicas: number,
  ): Promise<KubeObject> {
    const { client, resource } = await this.resources.target(clusterId, `${kind}.apps`, 'patch', namespace);
    return client.json<KubeObject>('PATCH', `${resourcePath(resource, namespace, name)}/scale`, {
      contentType: MERGE_PATCH,
      body: JSON.stringify({ spec: { replicas } }),
    });
  }

  /** Rolling restart, as `kubectl rollout restart` does it: a new pod-template annotation. */
  async restart(clusterId: string, kind: ScalableKind, namespace: string, name: string): Promise<KubeObject> {
    const { client, resource } = await this.resources.target(clusterId, `${kind}.apps`, 'patch', namespace);
    return client.json<KubeObject>('PATCH', resourcePath(resource, namespace, name), {
      contentType: STRATEGIC_PATCH,
      body: JSON.stringify({
        spec: {
          template: {
            metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } },
          },
        },
      }),
    });
  }

  async cordon(clusterId: string, node: string, unschedulable: boolean): Promise<KubeObject> {
    const { client, resource } = await this.resources.target(clusterId, 'nodes', 'patch');
    return client.json<KubeObject>('PATCH', resourcePath(resource, undefined, node), {
      contentType: MERGE_PATCH,
      body: JSON.stringify({ spec: { unschedulable } }),
    });
  }

  /**
   * Sets labels (a null value removes one) and/or replaces the taints of a node.
   * Taints are replaced as a whole: send the full list you want.
   */
  async updateNode(
    clusterId: string,
    node: string,
    change: { labels?: Record<string, string | null>; taints?: Taint[] },
  ): Promise<KubeObject> {
    if (!change.labels && !change.taints)
      throw AppError.validation([{ field: 'labels', errors: ['give labels and/or taints'] }]);
    const { client, resource } = await this.resources.target(clusterId, 'nodes', 'patch');
    const patch: Record<string, unknown> = {};
    if (change.labels) patch.metadata = { labels: change.labels };
    if (change.taints) patch.spec = { taints: change.taints };
    return client.json<KubeObject>('PATCH', resourcePath(resource, undefined, node), {
      contentType: MERGE_PATCH,
      body: JSON.stringify(patch),
    });
  }
}
