import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import type { KubeClient } from '../kube/client/kube-client.js';

export type ProbeResult =
  | { ok: true; version: string; nodeCount: number | null; readyNodeCount: number | null; latencyMs: number }
  | { ok: false; error: AppError; latencyMs: number };

interface NodeList {
  items: { status?: { conditions?: { type: string; status: string }[] } }[];
}

/** Asks a cluster who it is (/version) and how many of its nodes are Ready, within the client's timeout. */
@Injectable()
export class ClusterProber {
  async probe(client: KubeClient): Promise<ProbeResult> {
    const started = performance.now();
    try {
      const [version, nodes] = await Promise.all([
        client.json<{ gitVersion: string }>('GET', '/version'),
        client.json<NodeList>('GET', '/api/v1/nodes').catch((e: unknown) => {
          // A credential that may not list nodes still reaches the cluster.
          if (e instanceof AppError && e.code === ErrorCode.FORBIDDEN) return null;
          throw e;
        }),
      ]);
      const ready = nodes?.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      return {
        ok: true,
        version: version.gitVersion,
        nodeCount: nodes ? nodes.items.length : null,
        readyNodeCount: ready ?? null,
        latencyMs: Math.round(performance.now() - started),
      };
    } catch (e) {
      const error = e instanceof AppError ? e : new AppError(ErrorCode.CLUSTER_UNREACHABLE, (e as Error).message);
      return { ok: false, error, latencyMs: Math.round(performance.now() - started) };
    }
  }
}
