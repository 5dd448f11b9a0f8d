import type { Counter, Histogram } from 'prom-client';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';

/** What a KubeClient reports of each call; one per cluster, so the hot path only bumps pre-bound children. */
export interface KubeCallMeter {
  /** The cluster answered (any status), `startedAt` from performance.now(). */
  answered(status: number, startedAt: number): void;
  /** The call failed without an answer (unreachable, timeout, aborted, refused before sending). */
  failed(error: unknown, startedAt: number): void;
}

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** The error class of a failed call, from the AppError KubeClient made of it. */
export function kubeErrorClass(e: unknown): string {
  if (!(e instanceof AppError)) return 'error';
  const d = e.details as { aborted?: boolean; kube_status?: number } | null;
  if (typeof d?.kube_status === 'number') return statusClass(d.kube_status);
  switch (e.code) {
    case ErrorCode.CLUSTER_UNREACHABLE:
      return 'unreachable';
    case ErrorCode.UPSTREAM_TIMEOUT:
      return d?.aborted ? 'aborted' : 'timeout';
    case ErrorCode.UNPROCESSABLE:
      return 'invalid';
    default:
      return 'error';
  }
}

function statusClass(status: number): string {
  return STATUS_CLASSES[Math.floor(status / 100) - 1] ?? '5xx';
}

/** `berth_kube_requests_total{cluster_id, class}` and `berth_kube_request_duration_seconds{cluster_id}` of one cluster. */
export class ClusterCallMeter implements KubeCallMeter {
  private readonly latency;
  private readonly byClass = new Map<string, { inc(): void }>();

  constructor(
    private readonly requests: Counter<'cluster_id' | 'class'>,
    latency: Histogram<'cluster_id'>,
    private readonly clusterId: string,
  ) {
    this.latency = latency.labels(clusterId);
  }

  answered(status: number, startedAt: number): void {
    this.count(statusClass(status), startedAt);
  }

  failed(error: unknown, startedAt: number): void {
    this.count(kubeErrorClass(error), startedAt);
  }

  private count(cls: string, startedAt: number): void {
    let child = this.byClass.get(cls);
    if (!child) {
      child = this.requests.labels(this.clusterId, cls);
      this.byClass.set(cls, child);
    }
    child.inc();
    this.latency.observe((performance.now() - startedAt) / 1000);
  }
}
