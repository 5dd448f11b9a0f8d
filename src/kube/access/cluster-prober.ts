import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { type KubeClient, type KubeResponse, kubeStatusOf } from '../client/kube-client.js';

export type ProbeResult =
  | { ok: true; version: string; nodeCount: number | null; readyNodeCount: number | null; latencyMs: number }
  /** `notKubernetes`: the server answered, but not as a Kubernetes API server does (never saved, even with force). */
  | { ok: false; error: AppError; latencyMs: number; notKubernetes?: boolean };

interface NodeList {
  kind?: string;
  items: { status?: { conditions?: { type: string; status: string }[] } }[];
}

/** The fields of Kubernetes' version.Info that every API server sends, all strings. */
const VERSION_FIELDS = ['major', 'minor', 'gitVersion', 'gitCommit', 'platform'] as const;

class NotKubernetes extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function parse(res: KubeResponse): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** /version must look like Kubernetes' version.Info. */
export function isKubeVersion(v: unknown): v is { gitVersion: string } {
  return (
    isObj(v) &&
    VERSION_FIELDS.every((f) => typeof v[f] === 'string') &&
    /^v\d+\.\d+/.test(v.gitVersion as string)
  );
}

/**
 * Asks a cluster who it is (/version) and how many of its nodes are Ready, within the client's timeout.
 * The answers must look like Kubernetes': /version a version.Info, /api/v1/nodes a NodeList, errors a
 * Status. Anything else is "not a Kubernetes API server", whatever it is (its body is never relayed).
 */
@Injectable()
export class ClusterProber {
  private readonly logger = new Logger(ClusterProber.name);

  async probe(client: KubeClient): Promise<ProbeResult> {
    const started = performance.now();
    const latencyMs = () => Math.round(performance.now() - started);
    try {
      const [version, nodes] = await Promise.all([this.version(client), this.nodes(client)]);
      const ready = nodes?.items.filter((n) =>
        n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      ).length;
      return {
        ok: true,
        version: version.gitVersion,
        nodeCount: nodes ? nodes.items.length : null,
        readyNodeCount: ready ?? null,
        latencyMs: latencyMs(),
      };
    } catch (e) {
      if (e instanceof NotKubernetes) {
        this.logger.warn(
          `cluster ${client.cluster.name} (${client.cluster.id}) is not a Kubernetes API server: ${e.message}`,
        );
        const error = new AppError(
          ErrorCode.NOT_KUBERNETES,
          `Cluster ${client.cluster.name}: the server is not a Kubernetes API server`,
          {
            cluster_id: client.cluster.id,
            cluster_name: client.cluster.name,
          },
        );
        return { ok: false, error, latencyMs: latencyMs(), notKubernetes: true };
      }
      const error =
        e instanceof AppError
          ? e
          : new AppError(ErrorCode.CLUSTER_UNREACHABLE, `Cluster ${client.cluster.name} is unreachable`);
      return { ok: false, error, latencyMs: latencyMs() };
    }
  }

  private async version(client: KubeClient): Promise<{ gitVersion: string }> {
    const res = await client.request('GET', '/version', { accept: 'application/json' });
    if (res.status >= 400) throw this.failure(client, res, '/version');
    const v = parse(res);
    if (!isKubeVersion(v))
      throw new NotKubernetes(
        `/version answered HTTP ${res.status} without a version.Info (${VERSION_FIELDS.join(', ')})`,
      );
    return v;
  }

  /** The nodes, or null when the credential may not list them (it still reaches the cluster). */
  private async nodes(client: KubeClient): Promise<NodeList | null> {
    const res = await client.request('GET', '/api/v1/nodes', { accept: 'application/json' });
    if (res.status === 403 && kubeStatusOf(res.body)) return null;
    if (res.status >= 400) throw this.failure(client, res, '/api/v1/nodes');
    const list = parse(res);
    if (!isObj(list) || list.kind !== 'NodeList' || !Array.isArray(list.items))
      throw new NotKubernetes(`/api/v1/nodes answered HTTP ${res.status} without a NodeList`);
    return list as unknown as NodeList;
  }

  /** An error answer is Kubernetes' only when it is a Status. */
  private failure(client: KubeClient, res: KubeResponse, path: string): Error {
    if (!kubeStatusOf(res.body))
      return new NotKubernetes(`${path} answered HTTP ${res.status} without a Kubernetes Status`);
    return client.statusError(res);
  }
}
