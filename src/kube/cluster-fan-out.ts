import { Inject, Injectable } from '@nestjs/common';
import type { ClusterRecord, ClusterTarget } from './access/cluster-record.js';
import { ClusterClients } from './access/cluster-clients.js';
import { AppError } from '../common/app-error.js';
import { mapLimit } from '../common/concurrency.js';
import { ErrorCode } from '../common/error-codes.js';
import { currentRequestStart } from '../common/request-context.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { KubeClient } from './client/kube-client.js';

export type FleetStatus = 'ok' | 'timeout' | 'unreachable' | 'forbidden' | 'error';

export interface ClusterFailure {
  status: Exclude<FleetStatus, 'ok'>;
  error: { code: number; message: string };
}

/** One cluster's part of a fan-out: its value, or how it failed. */
export type FanOutResult<T> = { cluster: ClusterRecord; latency_ms: number } & (
  { value: T } | ClusterFailure
);

/** Maps a cluster's error to a status. Programming errors are not a cluster's fault: they are rethrown. */
export function classifyClusterError(e: unknown): ClusterFailure {
  if (!(e instanceof AppError)) throw e;
  const status =
    e.code === ErrorCode.UPSTREAM_TIMEOUT
      ? 'timeout'
      : e.code === ErrorCode.CLUSTER_UNREACHABLE
        ? 'unreachable'
        : e.code === ErrorCode.FORBIDDEN
          ? 'forbidden'
          : 'error';
  return { status, error: { code: e.code, message: e.message } };
}

/** Partial success is success; when no cluster answered, the error says how they failed. */
export function assertSomeAnswered(summary: { status: FleetStatus }[]): void {
  if (!summary.length || summary.some((s) => s.status === 'ok')) return;
  const code = summary.every((s) => s.status === 'timeout')
    ? ErrorCode.UPSTREAM_TIMEOUT
    : summary.every((s) => s.status === 'unreachable' || s.status === 'timeout')
      ? ErrorCode.CLUSTER_UNREACHABLE
      : summary.every((s) => s.status === 'forbidden')
        ? ErrorCode.FORBIDDEN
        : ErrorCode.CLUSTER_API_ERROR;
  throw new AppError(code, `No cluster answered (${summary.length} failed)`, { clusters: summary });
}

/**
 * Decides, per cluster, before anything is asked of it: 'ok' (query it), 'hidden' (the caller has no grant
 * there: never queried, never named; a cluster asked for by id is then a 404 like an unknown one), or an
 * AppError (visible but refused: reported as that cluster's failure, e.g. `forbidden`).
 */
export type ClusterGate = (cluster: ClusterRecord) => Promise<'ok' | 'hidden' | AppError>;

export interface FanOutOptions<T> {
  gate?: ClusterGate;
  /** One deadline for the whole request (performance.now() ms); default: `timeoutMs` from the request's arrival. */
  deadline?: number;
  /** Told of each cluster's outcome as soon as its part is over (answered, failed, refused, out of time). */
  settled?: (position: number, result: FanOutResult<T>) => void;
}

/**
 * Runs work on many clusters at once — at most `fanout_concurrency` at a time (default 64), all within one
 * request-wide deadline — each outcome kept as data. One dead or slow cluster costs its timeout and never
 * fails the rest; any number of hung clusters costs the deadline once.
 */
@Injectable()
export class ClusterFanOut {
  constructor(
    private readonly clients: ClusterClients,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Every reachable cluster (in name order; `position` is the place in it), or the given ids (unknown ids are a 404). */
  async run<T>(
    ids: string[] | undefined,
    timeoutMs: number,
    fn: (client: KubeClient, cluster: ClusterRecord, position: number, signal: AbortSignal) => Promise<T>,
    opts: FanOutOptions<T> = {},
  ): Promise<FanOutResult<T>[]> {
    const { gate, deadline = (currentRequestStart() ?? performance.now()) + timeoutMs, settled } = opts;
    const records = await this.clients.records(ids);
    const decisions = gate
      ? await Promise.all(records.map((c) => gate(c)))
      : records.map(() => 'ok' as const);
    const visible = records.filter((_, i) => decisions[i] !== 'hidden');
    if (ids?.length && visible.length < records.length) {
      const missing = records.filter((_, i) => decisions[i] === 'hidden').map((c) => c.id);
      throw new AppError(ErrorCode.NOT_FOUND, `clusters not found or not reachable: ${missing.join(', ')}`, {
        missing,
      });
    }
    const refusal = new Map(records.map((c, i) => [c.id, decisions[i]]));
    const targets: ClusterTarget[] = await Promise.all(
      visible.map((c) => {
        const d = refusal.get(c.id);
        return d instanceof AppError ? { cluster: c, error: d } : this.clients.target(c);
      }),
    );
    // Bounded, under one request-wide deadline: a cluster queued behind hung ones gets what is left of it,
    // so the bound is set high (fleets up to it start at once); it caps the sockets one request opens.
    const one = async (
      { cluster, client, error }: ClusterTarget,
      position: number,
    ): Promise<FanOutResult<T>> => {
      if (!client) return { cluster, latency_ms: 0, ...classifyClusterError(error) };
      const started = performance.now();
      const latency = () => Math.round(performance.now() - started);
      // Aborted once this cluster's part is over (answered, failed or past its deadline): calls it
      // left behind (a stream being read, a request in flight) are released, not left to run on.
      const done = new AbortController();
      try {
        // The deadline is the request's, not this cluster's turn's: clusters waiting for a slot
        // behind hung ones get what is left of it, so any number of hung clusters costs timeoutMs.
        const value = await this.withDeadline(
          fn(client, cluster, position, done.signal),
          Math.max(0, deadline - performance.now()),
          cluster.name,
          undefined,
          timeoutMs,
        );
        return { cluster, latency_ms: latency(), value };
      } catch (e) {
        return { cluster, latency_ms: latency(), ...classifyClusterError(e) };
      } finally {
        done.abort();
      }
    };
    return mapLimit(targets, this.config.kube.fanout_concurrency, async (target, position) => {
      const result = await one(target, position);
      settled?.(position, result);
      return result;
    });
  }

  /**
   * Rejects with a timeout when `work` takes longer than `ms` (the work itself is bounded by its
   * client's timeout); `abandon` is aborted then, so the work's calls are released.
   */
  async withDeadline<T>(
    work: Promise<T>,
    ms: number,
    clusterName: string,
    abandon?: AbortController,
    /** The timeout the caller asked for (for the message), when `ms` is what is left of it. */
    asked = ms,
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    // The work's own failure after the deadline has nobody to report to.
    work.catch(() => undefined);
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abandon?.abort();
        reject(
          new AppError(
            ErrorCode.UPSTREAM_TIMEOUT,
            `Cluster ${clusterName} did not answer within ${asked} ms`,
          ),
        );
      }, ms);
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
