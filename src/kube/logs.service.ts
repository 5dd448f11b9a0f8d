import { Injectable } from '@nestjs/common';
import type { LongStream } from './client/kube-client.js';
import { ClusterClients } from './access/cluster-clients.js';

export interface LogOptions {
  container?: string;
  tail_lines?: number;
  since_seconds?: number;
  timestamps?: boolean;
  previous?: boolean;
  limit_bytes?: number;
}

export interface LogLines {
  namespace: string;
  pod: string;
  container: string | null;
  lines: string[];
  /** True when limit_bytes cut the log short. */
  truncated: boolean;
}

const DEFAULT_LIMIT_BYTES = 5 * 1024 * 1024;

/** Pod logs, straight from the kubelet through the API server. */
@Injectable()
export class LogsService {
  constructor(private readonly clients: ClusterClients) {}

  private path(namespace: string, pod: string) {
    return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`;
  }

  private query(o: LogOptions, follow: boolean) {
    return {
      container: o.container,
      tailLines: o.tail_lines,
      sinceSeconds: o.since_seconds,
      timestamps: o.timestamps || undefined,
      previous: o.previous || undefined,
      limitBytes: follow ? o.limit_bytes : (o.limit_bytes ?? DEFAULT_LIMIT_BYTES),
      follow: follow || undefined,
    };
  }

  async read(clusterId: string, namespace: string, pod: string, o: LogOptions): Promise<LogLines> {
    const client = await this.clients.client(clusterId);
    const res = await client.request('GET', this.path(namespace, pod), {
      accept: 'text/plain, */*',
      query: this.query(o, false),
    });
    if (res.status >= 400) throw client.statusError(res);
    const text = res.body.toString('utf8');
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    const limit = o.limit_bytes ?? DEFAULT_LIMIT_BYTES;
    return { namespace, pod, container: o.container ?? null, lines, truncated: res.body.length >= limit };
  }

  /** A live stream (follow): the caller pipes it to the client; `signal` (the client leaving) destroys it. */
  async follow(
    clusterId: string,
    namespace: string,
    pod: string,
    o: LogOptions,
    signal?: AbortSignal,
  ): Promise<LongStream> {
    const client = await this.clients.client(clusterId);
    return client.longStream(this.path(namespace, pod), {
      accept: 'text/plain, */*',
      query: this.query(o, true),
      signal,
    });
  }
}
