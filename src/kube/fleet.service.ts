import { Inject, Injectable, StreamableFile } from '@nestjs/common';
import { AccessService } from '../access/access.service.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';
import { AppError } from '../common/app-error.js';
import { bufferParts } from '../common/buffer-parts.js';
import { page, type Page } from '../common/envelope.js';
import { ErrorCode } from '../common/error-codes.js';
import { currentRequestStart } from '../common/request-context.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { apiVersionOf, resourcePath } from './client/discovery.js';
import type { KubeClient } from './client/kube-client.js';
import { itemsOf, type KubeList, type KubeObject, METADATA_ONLY, redactSecret } from './kube-list.js';
import type { ClusterRecord } from './access/cluster-record.js';
import {
  classifyClusterError,
  ClusterFanOut,
  type ClusterGate,
  type FleetStatus,
} from './cluster-fan-out.js';
import { FleetPageLayout } from './fleet-page-layout.js';
import { FleetResourceCheck, type FleetResourceStatus } from './fleet-validation.js';
import { openList, readItems, skipTo } from './list-stream.js';

export interface FleetClusterResult {
  cluster_id: string;
  cluster_name: string;
  status: FleetResourceStatus;
  latency_ms: number;
  count: number;
  /** More objects exist than max_per_cluster. */
  truncated: boolean;
  error: { code: number; message: string } | null;
}

/** One cluster's share of a fan-out list: how many objects it has and (once read) their raw bytes. */
interface ClusterShare {
  client: KubeClient;
  path: string;
  apiVersion: string;
  kind: string;
  redact: boolean;
  count: number;
  truncated: boolean;
  /** The items read so far, as raw JSON slices (undefined until read). */
  items: Buffer[] | undefined;
  /** How many of the cluster's objects come before `items[0]` (a deep page skips them unread). */
  skip?: number;
}

const COMMA = Buffer.from(',');
/** The least a cluster waits for a silent cluster before it to count, before assuming it failed. */
const GRACE_MS = 50;
const CLOSE = Buffer.from('}');

export interface FleetQuery {
  clusters?: string[];
  namespace?: string;
  label_selector?: string;
  field_selector?: string;
  max_per_cluster: number;
  timeout_ms?: number;
  page: number;
  page_size: number;
}

export interface FleetSummaryItem {
  cluster_id: string;
  cluster_name: string;
  status: FleetStatus;
  latency_ms: number;
  version: string | null;
  nodes: { total: number; ready: number } | null;
  pods: { total: number } | null;
  error: { code: number; message: string } | null;
}

/** Lists and summaries across clusters, on top of ClusterFanOut (bounded, deadline per cluster, partial success). */
@Injectable()
export class FleetService {
  constructor(
    private readonly fanOut: ClusterFanOut,
    private readonly access: AccessService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The caller's grants applied to a fan-out: clusters it has no grant on are never queried nor named;
   * a cluster it sees where its grants do not give `verb` for the query (another namespace, or every
   * namespace while it holds only some) is reported `forbidden` with the namespaces it may ask for.
   */
  private gate(user: AuthUser, verb: Verb, namespace: string | null): ClusterGate {
    return async (c: ClusterRecord) => {
      const cluster = { id: c.id, labels: c.labels ?? {} };
      if ((await this.access.decide(user, Verb.CLUSTERS_READ, { cluster })) === 'hidden') return 'hidden';
      if ((await this.access.decide(user, verb, { cluster, namespace })) === 'allow') return 'ok';
      if (namespace !== null)
        return new AppError(
          ErrorCode.FORBIDDEN,
          `Your grants on cluster ${c.name} do not give ${verb} in namespace ${namespace}`,
          { verb },
        );
      const ns = await this.access.permittedNamespaces(user, verb, c.id);
      return new AppError(
        ErrorCode.FORBIDDEN,
        Array.isArray(ns) && ns.length
          ? `Your grants on cluster ${c.name} give ${verb} only in the namespaces ${ns.join(', ')}: ask for one of them (namespace=)`
          : `Your grants on cluster ${c.name} do not give ${verb}`,
        { verb, namespaces: Array.isArray(ns) ? ns : [] },
      );
    };
  }

  async resources(
    user: AuthUser,
    name: string,
    q: FleetQuery & { show_secret_values?: boolean },
  ): Promise<StreamableFile> {
    // Secret values: only clusters and namespaces where the caller may reveal them are queried.
    const verb = q.show_secret_values ? Verb.SECRETS_REVEAL : Verb.OBJECTS_READ;
    const timeout = q.timeout_ms ?? this.config.kube.timeout_ms;
    // One deadline for the whole request (from its arrival), both the counts and the items: hung clusters
    // cost `timeout`, once.
    const started = currentRequestStart() ?? performance.now();
    const deadline = started + timeout;
    const left = () => Math.max(0, Math.round(deadline - performance.now()));
    const selectors = { labelSelector: q.label_selector, fieldSelector: q.field_selector };
    // Item boundaries are found while the bytes stream in, so slicing costs no extra pass afterwards.
    const readPrefix = async (
      client: KubeClient,
      path: string,
      limit: number,
      signal: AbortSignal,
      cont?: string,
    ) => {
      const list = await openList(
        await client.stream(path, {
          query: { ...selectors, limit, continue: cont },
          timeoutMs: left(),
          signal,
        }),
        limit,
        { slices: true, timeoutMs: left() },
      );
      // Abandoned (deadline passed, the cluster's part failed): the stream being read is released.
      const release = () => list.close();
      signal.addEventListener('abort', release, { once: true });
      try {
        const raw = await readItems(list);
        return {
          raw,
          items: list.slices().map(([a, b]) => raw.subarray(a, b)),
          count: list.count(),
          more: Boolean(list.metadata().continue),
        };
      } finally {
        signal.removeEventListener('abort', release);
        list.close();
      }
    };
    // A window of one cluster's list: skip to it through the head of a metadata-only page, then read only it.
    const readWindow = async (share: ClusterShare, skip: number, take: number, signal: AbortSignal) => {
      let cont: string | undefined;
      if (skip > 0) {
        const s = await skipTo(
          await share.client.stream(share.path, {
            accept: METADATA_ONLY,
            query: { ...selectors, limit: skip },
            timeoutMs: left(),
            signal,
          }),
          skip,
          left(),
        );
        if (!s.token) return { items: [], count: s.count, more: false, skip };
        cont = s.token;
      }
      const r = await readPrefix(share.client, share.path, take, signal, cont);
      return { items: r.items, count: skip + r.count, more: r.more, skip };
    };
    const stored = (share: ClusterShare, read: Awaited<ReturnType<typeof readWindow>>) => {
      share.items = read.items;
      share.skip = read.skip;
      // Only a list that ended early says the cluster has fewer objects than it counted.
      if (!read.more) share.count = Math.min(share.count, read.count);
    };
    // One phase per cluster: how many objects it has, then (once the clusters before it have counted)
    // the items of its part of the page — so no cluster waits for the slowest of the fleet, and hung
    // clusters cost the deadline once. Without selectors one metadata-only call with limit=1 says the
    // count (remainingItemCount); with selectors Kubernetes cannot, so the items are read right away.
    // Each cluster's discovery judges the request first; a cluster that refuses it is asked for nothing.
    const from = (q.page - 1) * q.page_size;
    const to = from + q.page_size;
    const layout = new FleetPageLayout(from, to);
    const check = new FleetResourceCheck(name, q.namespace);
    const outcomes = await this.fanOut.run(
      q.clusters,
      timeout,
      async (client, _cluster, position, signal): Promise<ClusterShare> => {
        const resource = await check.resolve(client, signal);
        const path = resourcePath(resource, q.namespace);
        const kind = {
          apiVersion: apiVersionOf(resource),
          kind: resource.kind,
          redact: resource.group === '' && resource.name === 'secrets' && !q.show_secret_values,
        };
        let share: ClusterShare | undefined;
        if (!q.label_selector && !q.field_selector) {
          // On page 1 the first cluster's items always lead the page: read them alongside its count.
          const early =
            q.page === 1 && position === 0
              ? readPrefix(client, path, Math.min(q.page_size, q.max_per_cluster), signal)
              : undefined;
          early?.catch(() => undefined);
          const head = await client.json<KubeList>('GET', path, {
            accept: METADATA_ONLY,
            query: { limit: 1 },
            timeoutMs: left(),
            signal,
          });
          const remaining = head.metadata.remainingItemCount;
          if (!head.metadata.continue || typeof remaining === 'number') {
            const total = itemsOf(head).length + (remaining ?? 0);
            share = {
              client,
              path,
              ...kind,
              count: Math.min(total, q.max_per_cluster),
              truncated: total > q.max_per_cluster,
              items: early ? (await early).items : undefined,
              skip: 0,
            };
          }
        }
        if (!share) {
          const read = await readPrefix(client, path, q.max_per_cluster, signal);
          share = {
            client,
            path,
            ...kind,
            count: read.count,
            truncated: read.more,
            items: read.items,
            skip: 0,
          };
        }
        layout.count(position, share.count);
        if (share.items) return share;
        // Wait for the clusters before this one to count; a silent one is given a grace as long as
        // this cluster took (at least GRACE_MS, at most half of what is left), then assumed failed.
        const grace = Math.min(left() / 2, Math.max(GRACE_MS, 2 * (performance.now() - started)));
        const w = await layout.window(position, share.count, grace, signal);
        if (w.take > 0) {
          stored(share, await readWindow(share, w.skip, w.take, signal));
          layout.count(position, share.count);
        }
        return share;
      },
      {
        gate: this.gate(user, verb, q.namespace ?? null),
        deadline,
        settled: (position, result) => {
          if (!('value' in result)) layout.drop(position);
        },
      },
    );
    const summary: FleetClusterResult[] = [];
    const answered: (FleetClusterResult & { prefix: Buffer; value: ClusterShare })[] = [];
    for (const o of outcomes) {
      const base = { cluster_id: o.cluster.id, cluster_name: o.cluster.name, latency_ms: o.latency_ms };
      if ('value' in o) {
        const row: FleetClusterResult = {
          ...base,
          status: 'ok',
          count: o.value.count,
          truncated: o.value.truncated,
          error: null,
        };
        summary.push(row);
        const prefix = Buffer.from(
          `{"cluster_id":${JSON.stringify(o.cluster.id)},"cluster_name":${JSON.stringify(o.cluster.name)},"api_version":${JSON.stringify(o.value.apiVersion)},"kind":${JSON.stringify(o.value.kind)},"object":`,
        );
        answered.push(Object.assign(row, { prefix, value: o.value }));
      } else {
        summary.push({
          ...base,
          status: check.status(o.cluster.id, o.status),
          count: 0,
          truncated: false,
          error: o.error,
        });
      }
    }
    check.settle(summary);
    // The page laid out with every cluster settled. A cluster whose window was a guess (a cluster before
    // it was silent, then answered) or moved (a cluster before it failed after counting) reads what the
    // final layout needs; a cluster failing now drops out and the page is laid out again.
    const windows = () => {
      let at = 0;
      return answered.map((a) => {
        const w = { a, at, lo: Math.max(from, at), hi: Math.min(to, at + a.count) };
        at += a.count;
        return w;
      });
    };
    const covered = (a: (typeof answered)[number], lo: number, hi: number) => {
      const { items, skip = 0 } = a.value;
      return items !== undefined && skip <= lo && skip + items.length >= hi;
    };
    const tried = new Map<ClusterShare, string>();
    for (;;) {
      const missing = windows().filter(
        (w) =>
          w.lo < w.hi &&
          !covered(w.a, w.lo - w.at, w.hi - w.at) &&
          tried.get(w.a.value) !== `${w.lo - w.at}:${w.hi - w.at}`,
      );
      if (!missing.length) break;
      await Promise.all(
        missing.map(async ({ a, at, lo, hi }) => {
          tried.set(a.value, `${lo - at}:${hi - at}`);
          const started = performance.now();
          const done = new AbortController();
          try {
            stored(
              a.value,
              await this.fanOut.withDeadline(
                readWindow(a.value, lo - at, hi - lo, done.signal),
                left(),
                a.cluster_name,
                done,
                timeout,
              ),
            );
            a.count = a.value.count;
          } catch (e) {
            Object.assign(a, { ...classifyClusterError(e), count: 0 });
            a.value.items = [];
          } finally {
            done.abort();
          }
          a.latency_ms += Math.round(performance.now() - started);
        }),
      );
    }
    const total = answered.reduce((n, a) => n + a.count, 0);
    // A list cut at max_per_cluster is never served as if it were whole: the page that would end it is
    // refused, naming the clusters that have more (pages before the cut are served, each cut cluster
    // reported `truncated: true`).
    const cut = answered.filter((a) => a.truncated && a.status === 'ok');
    if (cut.length && to >= total) {
      throw new AppError(
        ErrorCode.UNPROCESSABLE,
        `The list was cut at max_per_cluster=${q.max_per_cluster} on ${cut.map((a) => a.cluster_name).join(', ')}, which ${cut.length === 1 ? 'has' : 'have'} more; this page would end it short. Raise max_per_cluster (up to 5000) or narrow the query (namespace, label_selector, clusters)`,
        {
          max_per_cluster: q.max_per_cluster,
          truncated: cut.map((a) => ({ cluster_id: a.cluster_id, cluster_name: a.cluster_name })),
        },
      );
    }
    const { data: _none, ...meta } = page([], total, q.page, q.page_size);
    const clusters = summary.map(
      ({ prefix: _p, value: _v, ...row }: FleetClusterResult & { prefix?: unknown; value?: unknown }) => row,
    );
    const parts: Buffer[] = [
      Buffer.from(
        `{"code":0,"message":"ok","data":{${JSON.stringify({ ...meta, clusters }).slice(1, -1)},"data":[`,
      ),
    ];
    let first = true;
    for (const { a, at, lo, hi } of windows()) {
      if (lo >= hi) continue;
      const skip = a.value.skip ?? 0;
      for (let item of (a.value.items ?? []).slice(lo - at - skip, hi - at - skip)) {
        if (a.value.redact)
          item = Buffer.from(JSON.stringify(redactSecret(JSON.parse(item.toString('utf8')) as KubeObject)));
        if (!first) parts.push(COMMA);
        parts.push(a.prefix, item, CLOSE);
        first = false;
      }
    }
    parts.push(Buffer.from(']}}'));
    // The items' bytes go out as they came, joined into a few large writes (never the whole page at once).
    const { stream, length } = bufferParts(parts);
    return new StreamableFile(stream, { type: 'application/json; charset=utf-8', length });
  }

  async summary(
    user: AuthUser,
    q: {
      clusters?: string[];
      page: number;
      page_size: number;
      timeout_ms?: number;
    },
  ): Promise<Page<FleetSummaryItem>> {
    const outcomes = await this.fanOut.run(
      q.clusters,
      q.timeout_ms ?? this.config.kube.timeout_ms,
      async (client) => {
        const [version, nodes, pods] = await Promise.all([
          client.json<{ gitVersion: string }>('GET', '/version'),
          client.json<
            KubeList<KubeObject & { status?: { conditions?: { type: string; status: string }[] } }>
          >('GET', '/api/v1/nodes'),
          client.json<KubeList>('GET', '/api/v1/pods', { query: { limit: 1 }, accept: METADATA_ONLY }),
        ]);
        const ready = itemsOf(nodes).filter((n) =>
          n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        ).length;
        return {
          version: version.gitVersion,
          nodes: { total: itemsOf(nodes).length, ready },
          pods: { total: itemsOf(pods).length + (pods.metadata.remainingItemCount ?? 0) },
        };
      },
      { gate: this.gate(user, Verb.OBJECTS_READ, null) },
    );
    const items: FleetSummaryItem[] = outcomes.map((o) =>
      'value' in o
        ? {
            cluster_id: o.cluster.id,
            cluster_name: o.cluster.name,
            status: 'ok',
            latency_ms: o.latency_ms,
            ...o.value,
            error: null,
          }
        : {
            cluster_id: o.cluster.id,
            cluster_name: o.cluster.name,
            status: o.status,
            latency_ms: o.latency_ms,
            version: o.cluster.version,
            nodes: null,
            pods: null,
            error: o.error,
          },
    );
    const offset = (q.page - 1) * q.page_size;
    return page(items.slice(offset, offset + q.page_size), items.length, q.page, q.page_size);
  }
}
