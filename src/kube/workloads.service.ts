import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { resourcePath } from './client/discovery.js';
import type { KubeObject } from './kube-list.js';
import { ResourcesService } from './resources.service.js';

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
  constructor(private readonly resources: ResourcesService) {}

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
