import { AppError } from '../common/app-error.js';
import { ErrorCode } from '../common/error-codes.js';
import type { ApiResource } from './client/discovery.js';
import type { KubeClient } from './client/kube-client.js';
import { assertSomeAnswered, type FleetStatus } from './cluster-fan-out.js';

/**
 * A fleet list's per-cluster status: the fan-out's, plus the two ways a cluster's own discovery can
 * refuse the request — it serves no such type (`unknown_type`), or the request does not fit the type
 * there (`invalid`: a namespace on a type that is cluster-scoped there, a verb it does not serve).
 */
export type FleetResourceStatus = FleetStatus | 'unknown_type' | 'invalid';

/**
 * The checks the single-cluster route makes on a resolved type (ResourcesService.target), in its order
 * and with its errors: the verb first (405 code 40500), then the scope (400 code 40001 naming `namespace`).
 */
export function checkResourceUse(resource: ApiResource, verb: string, namespace?: string): void {
  if (!resource.verbs.includes(verb)) {
    throw new AppError(ErrorCode.METHOD_NOT_ALLOWED, `${resource.name} does not support "${verb}"`, {
      resource: resource.name,
      verbs: resource.verbs,
    });
  }
  if (namespace && !resource.namespaced) {
    throw AppError.validation([
      { field: 'namespace', errors: [`${resource.name} is cluster-scoped; drop namespace`] },
    ]);
  }
}

/**
 * Validates a fleet query against each cluster's discovery (the cached discovery the single-cluster
 * route uses; no other call), before that cluster is asked for any object.
 *
 * Clusters differ (a CRD may be served by some only), so each cluster judges the request on its own:
 * it accepts it, or refuses it (`unknown_type`, `invalid`) and gets no list call. Once every cluster has
 * had its turn, `settle` decides:
 * - some cluster accepted: the request stands; refusing clusters are reported per cluster;
 * - none accepted and some refused: the request is the caller's mistake, answered as the single-cluster
 *   route answers it — a type known somewhere but misused keeps that cluster's 400 (namespace) or 405
 *   (verb); a type no cluster that answered knows is 404 code 40402 RESOURCE_TYPE_UNKNOWN;
 * - none answered at all: the fan-out's error (timeout, unreachable, ...), as before.
 */
export class FleetResourceCheck {
  private readonly accepted = new Set<string>();
  private readonly refused = new Map<string, AppError>();

  constructor(
    private readonly name: string,
    private readonly namespace: string | undefined,
    private readonly verb = 'list',
  ) {}

  /**
   * Resolves the type on one cluster and checks the request against it; throws the refusal (the
   * cluster's part ends there). `signal`: the cluster's part is over (deadline); a late answer is not counted.
   */
  async resolve(client: KubeClient, signal?: AbortSignal): Promise<ApiResource> {
    const id = client.cluster.id;
    let resource: ApiResource;
    try {
      resource = await client.discovery.resolve(this.name);
      checkResourceUse(resource, this.verb, this.namespace);
    } catch (e) {
      if (!signal?.aborted && e instanceof AppError && isRefusal(e.code)) this.refused.set(id, e);
      throw e;
    }
    if (!signal?.aborted) this.accepted.add(id);
    return resource;
  }

  /** The status a cluster's row carries: its refusal, or what the fan-out said. */
  status(clusterId: string, fanOutStatus: FleetStatus): FleetResourceStatus {
    const e = this.refused.get(clusterId);
    if (!e) return fanOutStatus;
    return e.code === ErrorCode.RESOURCE_TYPE_UNKNOWN ? 'unknown_type' : 'invalid';
  }

  /** Throws when the request is refused as a whole or no cluster answered (see the class comment). */
  settle(rows: { cluster_id: string; status: FleetResourceStatus }[]): void {
    if (rows.some((r) => r.status === 'ok')) return;
    if (!this.accepted.size && this.refused.size) {
      const ordered = rows
        .map((r) => this.refused.get(r.cluster_id))
        .filter((e): e is AppError => Boolean(e));
      const misuse = ordered.find((e) => e.code !== ErrorCode.RESOURCE_TYPE_UNKNOWN);
      if (misuse) throw misuse;
      throw new AppError(
        ErrorCode.RESOURCE_TYPE_UNKNOWN,
        `No selected cluster serves a resource type "${this.name}"`,
        { resource: this.name, clusters: rows },
      );
    }
    // Some cluster accepted the request and then failed: the error says how the accepting ones failed.
    try {
      assertSomeAnswered(rows.filter((r) => !this.refused.has(r.cluster_id)) as { status: FleetStatus }[]);
    } catch (e) {
      if (e instanceof AppError) throw new AppError(e.code, e.message, { ...e.details, clusters: rows });
      throw e;
    }
  }
}

const isRefusal = (code: ErrorCode) =>
  code === ErrorCode.RESOURCE_TYPE_UNKNOWN ||
  code === ErrorCode.METHOD_NOT_ALLOWED ||
  code === ErrorCode.VALIDATION_FAILED;
