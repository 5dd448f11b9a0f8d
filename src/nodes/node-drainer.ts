import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import { ClusterClients } from '../kube/access/cluster-clients.js';
import type { KubeMeta } from '../kube/access/kube-api.js';
import { WorkloadsService } from '../kube/workloads.service.js';

interface Pod {
  metadata: KubeMeta & { namespace: string };
}

export interface DrainResult {
  registered: boolean;
  evicted: number;
  skipped: number;
}

/** Cordons a node and evicts its pods through the Eviction API (PodDisruptionBudgets are honoured). */
@Injectable()
export class NodeDrainer {
  constructor(
    private readonly clients: ClusterClients,
    private readonly workloads: WorkloadsService,
  ) {}

  async drain(clusterId: string, node: string, deadlineMs = 5 * 60_000): Promise<DrainResult> {
    const kube = await this.clients.api(clusterId);
    try {
      await this.workloads.cordon(clusterId, node, true);
    } catch (e) {
      // A node that never joined (or already left) has nothing to drain.
      if (e instanceof AppError && e.code === ErrorCode.NOT_FOUND)
        return { registered: false, evicted: 0, skipped: 0 };
      throw e;
    }
    const deadline = Date.now() + deadlineMs;
    let evicted = 0;
    let skipped = 0;
    for (;;) {
      const pods = await kube.podsOnNode<Pod>(node);
      // DaemonSet pods come back at once and mirror pods cannot be evicted: leave them, like kubectl drain.
      const movable = pods.items.filter(
        (p) =>
          !p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet') &&
          !p.metadata.annotations?.['kubernetes.io/config.mirror'],
      );
      skipped = pods.items.length - movable.length;
      if (!movable.length) return { registered: true, evicted, skipped };
      if (Date.now() > deadline)
        throw new AppError(
          ErrorCode.UPSTREAM_TIMEOUT,
          `node ${node} still runs ${movable.length} pod(s) after the drain deadline`,
        );
      for (const p of movable) {
        try {
          await kube.evict(p.metadata.namespace, p.metadata.name);
          evicted++;
        } catch (e) {
          // 429: a PodDisruptionBudget says not now; 404: already gone. Try again on the next round.
          if (
            !(e instanceof AppError) ||
            ![ErrorCode.RATE_LIMITED, ErrorCode.NOT_FOUND, ErrorCode.CONFLICT].includes(e.code)
          )
            throw e;
        }
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
