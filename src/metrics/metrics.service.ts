import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Bound on everything a scrape computes (database and queue reads): a scrape never hangs on a dependency. */
export const SCRAPE_BOUND_MS = 1000;

/** Reasons a token or grant check refuses a request (`berth_auth_refusals_total{reason}`). */
export type AuthRefusal = 'missing' | 'expired' | 'invalid' | 'revoked' | 'forbidden';

/** Computes gauges at scrape time; may throw or time out (its dependency is then reported down). */
export interface ScrapeCollector {
  /** The dependency it reads (`berth_dependency_up{dependency}`). */
  dependency: string;
  collect(): Promise<void>;
  /** Called when collect failed or timed out: drop what can no longer be said. */
  reset(): void;
}

const UPSTREAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Prometheus metrics: HTTP requests, operations, upstream calls (Kubernetes clusters, vendors), cluster
 * health and auth refusals. Global, so the kube client pool, the vendor callers, the auth guard and the
 * operations worker record into one registry per app.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();
  private readonly logger = new Logger('Metrics');
  private readonly requests = new Counter({
    name: 'berth_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'berth_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly operations = new Counter({
    name: 'berth_operations_total',
    help: 'Operation runs that ended, by type and outcome (succeeded, failed)',
    labelNames: ['type', 'outcome'],
    registers: [this.registry],
  });
  readonly operationDuration = new Histogram({
    name: 'berth_operation_duration_seconds',
    help: 'Duration of the operation run that ended it, by type and outcome',
    labelNames: ['type', 'outcome'],
    buckets: [0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  readonly operationsUnfinished = new Gauge({
    name: 'berth_operations_unfinished',
    help: 'Operations not finished, by status (queued, running), from the operations table at scrape time',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly oldestQueuedAge = new Gauge({
    name: 'berth_operation_oldest_queued_age_seconds',
    help: 'Age of the oldest queued operation (0 when none waits), at scrape time',
    registers: [this.registry],
  });
  readonly queueJobs = new Gauge({
    name: 'berth_operation_queue_jobs',
    help: 'Jobs in the bull operations queue, by state (waiting, active, delayed, failed), at scrape time',
    labelNames: ['state'],
    registers: [this.registry],
  });
  readonly dependencyUp = new Gauge({
    name: 'berth_dependency_up',
    help: 'Whether the last scrape could read the dependency (1) or not (0)',
    labelNames: ['dependency'],
    registers: [this.registry],
  });
  readonly clusterStatus = new Gauge({
    name: 'berth_cluster_status',
    help: "1 for each cluster's current status (as the API shows it: active, unavailable, stale, provisioning, failed, deleting)",
    labelNames: ['cluster_id', 'cluster_name', 'status'],
    registers: [this.registry],
  });
  readonly kubeRequests = new Counter({
    name: 'berth_kube_requests_total',
    help: 'Calls to cluster API servers by cluster and class: 2xx/3xx/4xx/5xx answers, or unreachable, timeout, aborted, invalid',
    labelNames: ['cluster_id', 'class'],
    registers: [this.registry],
  });
  readonly kubeDuration = new Histogram({
    name: 'berth_kube_request_duration_seconds',
    help: 'Latency of calls to cluster API servers (streams: until the response head), by cluster',
    labelNames: ['cluster_id'],
    buckets: UPSTREAM_BUCKETS,
    registers: [this.registry],
  });
  readonly vendorRequests = new Counter({
    name: 'berth_vendor_requests_total',
    help: 'Vendor API attempts by vendor, operation and outcome (ok, or the failure kind: credential, throttled, not_found, client, server, unavailable, timeout, refused, error)',
    labelNames: ['vendor', 'operation', 'outcome'],
    registers: [this.registry],
  });
  readonly vendorDuration = new Histogram({
    name: 'berth_vendor_request_duration_seconds',
    help: 'Latency of vendor API attempts by vendor and operation',
    labelNames: ['vendor', 'operation'],
    buckets: UPSTREAM_BUCKETS,
    registers: [this.registry],
  });
  private readonly authRefusals = new Counter({
    name: 'berth_auth_refusals_total',
    help: 'Requests refused by the token or grant check, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly collectors: ScrapeCollector[] = [];

  constructor(private readonly adapterHost: HttpAdapterHost) {
    collectDefaultMetrics({ register: this.registry, prefix: 'berth_' });
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onResponse', (req, reply, done) => {
      const labels = {
        method: req.method,
        route: req.routeOptions?.url ?? 'unmatched',
        status: String(reply.statusCode),
      };
      this.requests.inc(labels);
      this.duration.observe(labels, reply.elapsedTime / 1000);
      done();
    });
  }

  /** Where the vendor callers report each attempt. */
  readonly vendorMeter = {
    attempt: (vendor: string, operation: string, outcome: string, seconds: number) => {
      this.vendorRequests.inc({ vendor, operation, outcome });
      this.vendorDuration.observe({ vendor, operation }, seconds);
    },
  };

  refused(reason: AuthRefusal): void {
    this.authRefusals.inc({ reason });
  }

  /** Adds gauges computed at scrape time. */
  onScrape(collector: ScrapeCollector): void {
    this.collectors.push(collector);
  }

  /** The exposition text: scrape-time gauges first (each bounded by SCRAPE_BOUND_MS), then every metric. */
  async scrape(): Promise<string> {
    const up = new Map<string, boolean>();
    await Promise.all(
      this.collectors.map(async (c) => {
        const ok = await bounded(c.collect(), SCRAPE_BOUND_MS).then(
          () => true,
          (e: Error) => {
            this.logger.debug(`scrape: ${c.dependency} unreadable: ${e?.message ?? e}`);
            c.reset();
            return false;
          },
        );
        up.set(c.dependency, (up.get(c.dependency) ?? true) && ok);
      }),
    );
    for (const [dependency, ok] of up) this.dependencyUp.set({ dependency }, ok ? 1 : 0);
    return this.registry.metrics();
  }
}

function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
