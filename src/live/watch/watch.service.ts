import { Inject, Injectable, StreamableFile } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AccessService, type AccessTarget } from '../../access/access.service.js';
import { Verb } from '../../access/roles.js';
import type { AuthUser } from '../../auth/role.js';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { ClusterClients } from '../../kube/access/cluster-clients.js';
import type { ClusterRecord } from '../../kube/access/cluster-record.js';
import { checkResourceUse } from '../../kube/fleet-validation.js';
import type { KubeObject } from '../../kube/kube-list.js';
import { ResourcesService } from '../../kube/resources.service.js';
import { OperationsService } from '../../operations/operations.service.js';
import { ClusterWatch, type WatchSink } from './cluster-watch.js';
import { type CloseReason, SseStream } from './sse-stream.js';
import { StreamAuth } from './stream-auth.js';
import { type StreamKind, WatchLimits } from './watch-limits.js';

/** Who opened a stream and with what: re-checked every `watch.recheck_seconds`. */
export interface StreamCaller {
  user: AuthUser;
  bearer: string;
  req: { ip?: string; headers: Record<string, unknown> };
  reply: FastifyReply;
}

export interface ResourceWatch {
  clusterId: string;
  resource: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  showSecretValues: boolean;
  /** The route's verb and where (as the guard checked it), checked again while the stream is open. */
  verb: Verb;
  target: AccessTarget;
  /** Namespaces list: only the namespaces the caller may see. */
  filterNamespaces?: boolean;
  /** resourceVersion to resume after (Last-Event-ID, else resource_version). */
  from?: string;
}

export interface FleetWatch {
  clusters?: string[];
  resource: string;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  showSecretValues: boolean;
  /** Last-Event-ID: `<cluster id>=<resourceVersion>` pairs, comma-separated. */
  lastEventId?: string;
}

const RV = /^[A-Za-z0-9._-]{1,64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A resourceVersion from a client (Last-Event-ID, resource_version), or a 400 naming where it came from. */
export function checkResourceVersion(v: string, field: string): string {
  if (!RV.test(v))
    throw AppError.validation([
      { field, errors: [`${field} must be a resourceVersion from an earlier event`] },
    ]);
  return v;
}

/** Parses a fleet stream's Last-Event-ID (`id=rv,id=rv`). */
export function parseFleetId(v: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of v.split(',').filter(Boolean)) {
    const [id, rv] = part.split('=');
    if (!id || !UUID.test(id) || !rv || !RV.test(rv))
      throw AppError.validation([
        {
          field: 'last-event-id',
          errors: ['last-event-id must be an id of an earlier event of this stream'],
        },
      ]);
    out.set(id.toLowerCase(), rv);
  }
  return out;
}

const errorOf = (e: AppError) => ({ code: e.code, message: e.message });

/**
 * Watch streams (Server-Sent Events): one cluster's objects, a resource type across the fleet, an
 * operation's progress. Every stream takes a slot (WatchLimits), sends a heartbeat comment every
 * `watch.heartbeat_seconds`, re-checks its caller's token and grants every `watch.recheck_seconds`, holds at
 * most `watch.max_buffer_bytes` for a slow reader, and releases its upstream watches however it ends.
 */
@Injectable()
export class WatchService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly limits: WatchLimits,
    private readonly auth: StreamAuth,
    private readonly access: AccessService,
    private readonly clients: ClusterClients,
    private readonly resources: ResourcesService,
    private readonly operations: OperationsService,
  ) {}

  /**
   * Opens the SSE answer: a slot, headers, heartbeats, the periodic re-check (`recheck` answers why to close,
   * or null), teardown. `run` starts the stream's work; what it returns is stopped when the stream ends.
   */
  private open(
    caller: StreamCaller,
    kind: StreamKind,
    recheck: (user: AuthUser) => Promise<{ reason: CloseReason; message: string } | null>,
    run: (sse: SseStream) => () => void,
  ): StreamableFile {
    const sse = new SseStream(this.config.watch.max_buffer_bytes, (reason) => this.limits.closed(reason));
    const release = this.limits.acquire(caller.user.id, kind, (reason, message) =>
      sse.close(reason, message),
    );
    const close = (reason: CloseReason, message: string) => sse.close(reason, message);
    sse.attach(caller.reply.raw);
    caller.reply.header('cache-control', 'no-store');
    caller.reply.header('x-accel-buffering', 'no');
    sse.retry(Math.min(this.config.watch.backoff_ms, 10_000));
    sse.comment('stream open');
    const heartbeat = setInterval(
      () => sse.comment(`heartbeat ${new Date().toISOString()}`),
      this.config.watch.heartbeat_seconds * 1000,
    );
    let checking = false;
    const check = async () => {
      if (checking || sse.closed) return;
      checking = true;
      try {
        const auth = await this.auth.recheck(caller.bearer, caller.user, caller.req);
        if ('reason' in auth) return close(auth.reason, auth.message);
        const why = await recheck(auth.user);
        if (why) close(why.reason, why.message);
      } catch (e) {
        if (e instanceof AppError && e.code === ErrorCode.DEPENDENCY_UNAVAILABLE)
          close('auth_unavailable', `${e.message}: the grants could not be checked again`);
        else close('upstream_error', 'The stream failed');
      } finally {
        checking = false;
      }
    };
    const rechecks = setInterval(() => void check(), this.config.watch.recheck_seconds * 1000);
    const msLeft = caller.user.exp ? caller.user.exp * 1000 - Date.now() : undefined;
    const expiry =
      msLeft !== undefined && msLeft < 2 ** 31 - 1
        ? setTimeout(() => void check(), Math.max(0, msLeft) + 10)
        : undefined;
    const work: { stop?: () => void } = {};
    sse.closing(() => {
      clearInterval(heartbeat);
      clearInterval(rechecks);
      clearTimeout(expiry);
      release();
      work.stop?.();
    });
    work.stop = run(sse);
    if (sse.closed) work.stop();
    return new StreamableFile(sse.body, { type: 'text/event-stream; charset=utf-8' });
  }

  private grantCheck(verb: Verb, target: AccessTarget, reveal: boolean) {
    return async (user: AuthUser) => {
      if ((await this.access.decide(user, verb, target)) !== 'allow')
        return { reason: 'forbidden' as const, message: `Your grants no longer give ${verb} here` };
      if (reveal && (await this.access.decide(user, Verb.SECRETS_REVEAL, target)) !== 'allow')
        return { reason: 'forbidden' as const, message: 'Your grants no longer give secrets.reveal here' };
      return null;
    };
  }

  private watchConfig() {
    return { backoffMs: this.config.watch.backoff_ms, maxBackoffMs: this.config.watch.max_backoff_ms };
  }

  /** One cluster: `GET /clusters/:id/resources/:resource?watch=true` and the friendly list routes. */
  async resource(caller: StreamCaller, w: ResourceWatch): Promise<StreamableFile> {
    // Errors before the stream opens are HTTP answers: unknown type 404, not watchable 405, unreachable 503.
    await this.resources.target(w.clusterId, w.resource, 'watch', w.namespace);
    const record = await this.clients.record(w.clusterId);
    const cluster = { cluster_id: record.id, cluster_name: record.name };
    let visible: 'all' | Set<string> = 'all';
    const refreshNamespaces = async (user: AuthUser) => {
      const ns = await this.access.permittedNamespaces(user, w.verb, w.clusterId);
      visible = ns === 'all' ? 'all' : new Set(ns);
    };
    if (w.filterNamespaces) await refreshNamespaces(caller.user);
    const grants = this.grantCheck(w.verb, w.target, w.showSecretValues);
    return this.open(
      caller,
      'resource',
      async (user) => {
        if (w.filterNamespaces) await refreshNamespaces(user);
        return grants(user);
      },
      (sse) => {
        const sink: WatchSink = {
          object: (type, object, rv) => sse.send(type, { type, object }, rv),
          resync: (expired) =>
            sse.send('RESYNC', {
              type: 'RESYNC',
              expired_resource_version: expired,
              message:
                'The resourceVersion to resume from is gone (410): drop what you hold, a fresh list follows',
            }),
          unreachable: (e, retry) =>
            sse.send('CLUSTER_UNREACHABLE', {
              type: 'CLUSTER_UNREACHABLE',
              ...cluster,
              error: errorOf(e),
              retry_in_ms: retry,
            }),
          recovered: () => sse.send('CLUSTER_RECOVERED', { type: 'CLUSTER_RECOVERED', ...cluster }),
          fatal: (e) => {
            sse.close(
              e.status === 403 ? 'forbidden' : e.status === 404 ? 'not_found' : 'upstream_error',
              e.message,
              {
                code: e.code,
              },
            );
          },
        };
        const watch = new ClusterWatch(
          {
            connect: () => this.resources.target(w.clusterId, w.resource, 'watch', w.namespace),
            namespace: w.namespace,
            labelSelector: w.labelSelector,
            fieldSelector: w.fieldSelector,
            redact: !w.showSecretValues,
            from: w.from,
            filter: w.filterNamespaces
              ? () =>
                  visible === 'all'
                    ? null
                    : (
                        (set: Set<string>) => (o: KubeObject) =>
                          set.has(o.metadata?.name)
                      )(visible)
              : undefined,
            ...this.watchConfig(),
          },
          sink,
        );
        watch.start();
        return () => watch.stop();
      },
    );
  }

  /**
   * The fleet gate of FleetService (the same decisions as the fleet list): no grant on a cluster → never
   * watched nor named; visible but not covered → one CLUSTER_FORBIDDEN event naming the namespaces it may ask for.
   */
  private async gate(user: AuthUser, verb: Verb, c: ClusterRecord, namespace: string | null) {
    const cluster = { id: c.id, labels: c.labels ?? {} };
    if ((await this.access.decide(user, Verb.CLUSTERS_READ, { cluster })) === 'hidden')
      return 'hidden' as const;
    if ((await this.access.decide(user, verb, { cluster, namespace })) === 'allow') return 'ok' as const;
    if (namespace !== null)
      return {
        message: `Your grants on cluster ${c.name} do not give ${verb} in namespace ${namespace}`,
        namespaces: [] as string[],
      };
    const ns = await this.access.permittedNamespaces(user, verb, c.id);
    const names = Array.isArray(ns) ? ns : [];
    return {
      message: names.length
        ? `Your grants on cluster ${c.name} give ${verb} only in the namespaces ${names.join(', ')}: ask for one of them (namespace=)`
        : `Your grants on cluster ${c.name} do not give ${verb}`,
      namespaces: names,
    };
  }

  /**
   * `GET /fleet/resources/:resource?watch=true`: one stream over many clusters, each event tagged with its
   * cluster. Membership follows the records: at every re-check (`watch.recheck_seconds`) the clusters are
   * read again (`clusters=` ids, else every cluster with API access) and gated again, so a cluster attached
   * later (or newly covered by a grant) joins with CLUSTER_JOINED and its objects, and one detached leaves
   * with CLUSTER_LEFT.
   */
  async fleet(caller: StreamCaller, w: FleetWatch): Promise<StreamableFile> {
    const verb = w.showSecretValues ? Verb.SECRETS_REVEAL : Verb.OBJECTS_READ;
    const resume = w.lastEventId ? parseFleetId(w.lastEventId) : new Map<string, string>();
    const records = await this.clients.records(w.clusters);
    const ns = w.namespace ?? null;
    const decisions = await Promise.all(records.map((c) => this.gate(caller.user, verb, c, ns)));
    if (w.clusters?.length && decisions.includes('hidden')) {
      const missing = records.filter((_, i) => decisions[i] === 'hidden').map((c) => c.id);
      throw new AppError(ErrorCode.NOT_FOUND, `clusters not found or not reachable: ${missing.join(', ')}`, {
        missing,
      });
    }
    const only = w.clusters?.length ? new Set(w.clusters) : null;
    const rvs = new Map<string, string>();
    const idOf = () => [...rvs].map(([id, rv]) => `${id}=${rv}`).join(',');
    const watches = new Map<string, ClusterWatch>();
    /** The clusters the stream has named: watched, refused (CLUSTER_FORBIDDEN) or failed (CLUSTER_ERROR). */
    const members = new Map<string, { record: ClusterRecord; state: 'watching' | 'forbidden' | 'failed' }>();
    let stream: SseStream | undefined;
    const tagOf = (c: ClusterRecord) => ({ cluster_id: c.id, cluster_name: c.name });
    const forbid = (sse: SseStream, c: ClusterRecord, d: { message: string; namespaces: string[] }) => {
      members.set(c.id, { record: c, state: 'forbidden' });
      sse.send('CLUSTER_FORBIDDEN', {
        type: 'CLUSTER_FORBIDDEN',
        ...tagOf(c),
        verb,
        namespaces: d.namespaces,
        message: d.message,
      });
    };
    const stop = (id: string) => {
      watches.get(id)?.stop();
      watches.delete(id);
      rvs.delete(id);
    };
    const start = (sse: SseStream, c: ClusterRecord) => {
      const tag = tagOf(c);
      members.set(c.id, { record: c, state: 'watching' });
      const from = resume.get(c.id);
      resume.delete(c.id);
      if (from) rvs.set(c.id, from);
      const sink: WatchSink = {
        object: (type, object, rv) => {
          if (rv) rvs.set(c.id, rv);
          sse.send(type, { type, ...tag, object }, rv ? idOf() : undefined);
        },
        resync: (expired) => {
          rvs.delete(c.id);
          sse.send('RESYNC', {
            type: 'RESYNC',
            ...tag,
            expired_resource_version: expired,
            message: `The resourceVersion to resume cluster ${c.name} from is gone (410): drop what you hold of it, a fresh list follows`,
          });
        },
        unreachable: (e, retry) =>
          sse.send('CLUSTER_UNREACHABLE', {
            type: 'CLUSTER_UNREACHABLE',
            ...tag,
            error: errorOf(e),
            retry_in_ms: retry,
          }),
        recovered: () => sse.send('CLUSTER_RECOVERED', { type: 'CLUSTER_RECOVERED', ...tag }),
        fatal: (e) => {
          watches.delete(c.id);
          members.set(c.id, { record: c, state: 'failed' });
          sse.send('CLUSTER_ERROR', { type: 'CLUSTER_ERROR', ...tag, error: errorOf(e) });
        },
      };
      const watch = new ClusterWatch(
        {
          connect: async () => {
            const client = await this.clients.client(c.id);
            const resource = await client.discovery.resolve(w.resource);
            checkResourceUse(resource, 'watch', w.namespace);
            return { client, resource };
          },
          namespace: w.namespace,
          labelSelector: w.labelSelector,
          fieldSelector: w.fieldSelector,
          redact: !w.showSecretValues,
          from,
          ...this.watchConfig(),
        },
        sink,
      );
      watches.set(c.id, watch);
      watch.start();
    };
    /** Membership and grants again: who left, who joined, whose grants changed. */
    const reconcile = async (sse: SseStream, user: AuthUser) => {
      let all: ClusterRecord[];
      try {
        all = await this.clients.records();
      } catch {
        return; // the records could not be read this time: membership stays as it is until the next re-check
      }
      const current = only ? all.filter((c) => only.has(c.id)) : all;
      const present = new Set(current.map((c) => c.id));
      for (const [id, m] of [...members]) {
        if (present.has(id)) continue;
        stop(id);
        members.delete(id);
        sse.send('CLUSTER_LEFT', {
          type: 'CLUSTER_LEFT',
          ...tagOf(m.record),
          message: `Cluster ${m.record.name} was detached (or lost its API access in Berth): it is no longer watched; drop what you hold of it`,
        });
      }
      for (const c of current) {
        if (sse.closed) return;
        const m = members.get(c.id);
        if (m?.state === 'failed') continue;
        const d = await this.gate(user, verb, c, ns);
        if (d === 'ok') {
          if (m?.state === 'watching') continue;
          sse.send('CLUSTER_JOINED', { type: 'CLUSTER_JOINED', ...tagOf(c) });
          start(sse, c);
          continue;
        }
        if (m?.state === 'watching') {
          // Grants re-checked per cluster: one no longer covered stops, and says so.
          stop(c.id);
          forbid(
            sse,
            c,
            d === 'hidden' ? { message: `Your grants no longer cover cluster ${c.name}`, namespaces: [] } : d,
          );
        } else if (!m && d !== 'hidden') forbid(sse, c, d);
      }
    };
    return this.open(
      caller,
      'fleet',
      async (user) => {
        if ((await this.access.decide(user, verb, {})) !== 'allow')
          return { reason: 'forbidden', message: `Your grants no longer give ${verb} on any cluster` };
        if (stream) await reconcile(stream, user);
        return null;
      },
      (sse) => {
        stream = sse;
        records.forEach((c, i) => {
          const d = decisions[i];
          if (d === 'ok') start(sse, c);
          else if (d !== 'hidden') forbid(sse, c, d);
        });
        return () => {
          for (const watch of watches.values()) watch.stop();
          watches.clear();
        };
      },
    );
  }

  /** `GET /operations/:id/events`: the operation as GET shows it, at each change, until it ends. */
  async operation(caller: StreamCaller, id: string): Promise<StreamableFile> {
    let last = await this.operations.get(id, caller.user);
    let seq = 0;
    let user = caller.user;
    return this.open(
      caller,
      'operation',
      async (u) => {
        user = u;
        return null;
      },
      (sse) => {
        let timer: NodeJS.Timeout | undefined;
        let lastText = '';
        const emit = (op: typeof last): boolean => {
          const text = JSON.stringify(op);
          if (text !== lastText) {
            lastText = text;
            sse.send('OPERATION', { type: 'OPERATION', operation: op }, String(++seq));
          }
          if (op.status === 'succeeded' || op.status === 'failed') {
            sse.send('END', { type: 'END', status: op.status }, String(++seq));
            sse.close('ended', 'The operation ended');
            return false;
          }
          return true;
        };
        const poll = async () => {
          if (sse.closed) return;
          try {
            last = await this.operations.get(id, user);
          } catch (e) {
            if (e instanceof AppError && e.status === 404) {
              return sse.close('not_found', `Operation ${id} not found`);
            }
            // A dependency blip: try again at the next tick.
          }
          if (emit(last)) timer = setTimeout(() => void poll(), this.config.watch.operation_poll_ms);
        };
        if (emit(last)) timer = setTimeout(() => void poll(), this.config.watch.operation_poll_ms);
        return () => clearTimeout(timer);
      },
    );
  }
}
