import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { type ApiResource, apiVersionOf, resourcePath } from '../../kube/client/discovery.js';
import type { KubeClient, LongStream } from '../../kube/client/kube-client.js';
import { type KubeList, type KubeObject, redactSecret } from '../../kube/kube-list.js';

export type ObjectEvent = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/** What a watch of one cluster reports; the session turns it into SSE events. */
export interface WatchSink {
  /** An object event; `rv` is the resourceVersion to resume after it (absent while the initial list streams). */
  object(type: ObjectEvent, object: KubeObject, rv: string | undefined): void;
  /** The resourceVersion asked for is gone (410): a fresh list follows as ADDED events. */
  resync(expired: string): void;
  unreachable(error: AppError, retryInMs: number): void;
  recovered(): void;
  /** A failure that retrying cannot fix (the type is gone, the cluster's RBAC refuses Berth, the record was deleted). */
  fatal(error: AppError): void;
}

export interface WatchSpec {
  /** The cluster's client and the resolved resource (discovery), asked anew at every (re)connect. */
  connect: () => Promise<{ client: KubeClient; resource: ApiResource }>;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Secret values blanked (the caller may not reveal them). */
  redact: boolean;
  /** Resume after this resourceVersion (Last-Event-ID); none: list first. */
  from?: string;
  backoffMs: number;
  maxBackoffMs: number;
  /** A filter over objects (namespaces the caller may see); null passes all. */
  filter?: () => ((o: KubeObject) => boolean) | null;
}

/** The marker Kubernetes itself puts on the bookmark that ends a watch's initial events (watch-list). */
export const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';
const PAGE = 500;
/** The API server ends a watch after this long; Berth then watches on from the last resourceVersion. */
const WATCH_SECONDS = 300;
/** No byte for this long (bookmarks come about every minute) means a dead connection. */
const IDLE_MS = (WATCH_SECONDS + 30) * 1000;

class Expired extends Error {}

const isSecret = (r: ApiResource) => r.group === '' && r.name === 'secrets';

/** Errors a reconnect cannot fix: reported once, and this cluster's watch stops. */
function isFatal(e: AppError): boolean {
  if (e.code === ErrorCode.CLUSTER_UNREACHABLE || e.code === ErrorCode.UPSTREAM_TIMEOUT) return false;
  if (e.code === ErrorCode.RATE_LIMITED || e.status >= 500) return false;
  return true;
}

/**
 * One cluster's part of a watch stream: list (as ADDED events, then a bookmark carrying the list's
 * resourceVersion), then watch from there; the API server ending the watch is followed by a new watch from
 * the last resourceVersion, a 410 Gone by RESYNC and a fresh list, a connection failure by
 * CLUSTER_UNREACHABLE and reconnects with exponential backoff (CLUSTER_RECOVERED once one works).
 */
export class ClusterWatch {
  private stopped = false;
  private readonly abort = new AbortController();
  private upstream?: LongStream;
  private rv?: string;
  private wake?: () => void;

  constructor(
    private readonly spec: WatchSpec,
    private readonly sink: WatchSink,
  ) {
    this.rv = spec.from;
  }

  /** The resourceVersion a reconnect resumes after (undefined until the first list completed). */
  get resourceVersion(): string | undefined {
    return this.rv;
  }

  /** Whether an upstream watch response is open now (tests and metrics). */
  get connected(): boolean {
    return !!this.upstream && !this.upstream.destroyed;
  }

  start(): void {
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.upstream?.destroy();
    this.wake?.();
  }

  private async loop(): Promise<void> {
    let delay = this.spec.backoffMs;
    let failing = false;
    while (!this.stopped) {
      try {
        const answered = () => {
          if (failing) {
            failing = false;
            this.sink.recovered();
          }
          delay = this.spec.backoffMs;
        };
        const { client, resource } = await this.spec.connect();
        if (!this.rv) this.rv = await this.list(client, resource, answered);
        await this.watch(client, resource, answered);
      } catch (e) {
        if (this.stopped) return;
        if (e instanceof Expired) {
          this.sink.resync(this.rv ?? '');
          this.rv = undefined;
          continue;
        }
        const err =
          e instanceof AppError
            ? e
            : new AppError(ErrorCode.CLUSTER_API_ERROR, `The watch failed: ${(e as Error)?.message ?? e}`);
        if (isFatal(err)) {
          this.stopped = true;
          this.sink.fatal(err);
          return;
        }
        if (!failing) {
          failing = true;
          this.sink.unreachable(err, delay);
        }
        await this.sleep(delay);
        delay = Math.min(delay * 2, this.spec.maxBackoffMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private prepare(resource: ApiResource, o: KubeObject): KubeObject {
    const typed = { apiVersion: apiVersionOf(resource), kind: resource.kind, ...o };
    return this.spec.redact && isSecret(resource) ? redactSecret(typed) : typed;
  }

  private selectors() {
    return { labelSelector: this.spec.labelSelector, fieldSelector: this.spec.fieldSelector };
  }

  /** The current state as ADDED events, page by page (one consistent snapshot); returns its resourceVersion. */
  private async list(client: KubeClient, resource: ApiResource, answered: () => void): Promise<string> {
    const path = resourcePath(resource, this.spec.namespace);
    for (let attempt = 0; ; attempt++) {
      let cont: string | undefined;
      let rv: string | undefined;
      try {
        do {
          const page: KubeList = await client.json<KubeList>('GET', path, {
            query: { ...this.selectors(), limit: PAGE, continue: cont },
            signal: this.abort.signal,
          });
          if (!rv) answered();
          rv ??= page.metadata.resourceVersion;
          const keep = this.spec.filter?.() ?? null;
          for (const item of page.items ?? []) {
            if (this.stopped) return rv ?? '';
            if (keep && !keep(item)) continue;
            this.sink.object('ADDED', this.prepare(resource, item), undefined);
          }
          cont = page.metadata.continue;
        } while (cont);
      } catch (e) {
        // The continue token expired mid-list: list again from a fresh snapshot (ADDED is an upsert).
        if (e instanceof AppError && e.details?.kube_status === 410 && attempt < 3) continue;
        throw e;
      }
      const at = rv ?? '0';
      this.sink.object(
        'BOOKMARK',
        {
          apiVersion: apiVersionOf(resource),
          kind: resource.kind,
          metadata: { name: '', resourceVersion: at, annotations: { [INITIAL_EVENTS_END]: 'true' } },
        },
        at,
      );
      return at;
    }
  }

  /** Watches from this.rv until the API server ends the watch (resolves) or it fails (throws; Expired for 410). */
  private async watch(client: KubeClient, resource: ApiResource, opened: () => void): Promise<void> {
    let res: LongStream;
    try {
      res = await client.longStream(resourcePath(resource, this.spec.namespace), {
        query: {
          ...this.selectors(),
          watch: 'true',
          allowWatchBookmarks: 'true',
          resourceVersion: this.rv,
          timeoutSeconds: WATCH_SECONDS,
        },
        signal: this.abort.signal,
      });
    } catch (e) {
      if (e instanceof AppError && e.details?.kube_status === 410) throw new Expired();
      throw e;
    }
    this.upstream = res;
    opened();
    await new Promise<void>((resolve, reject) => {
      let rest = '';
      let idle: NodeJS.Timeout | undefined;
      const touch = () => {
        clearTimeout(idle);
        idle = setTimeout(() => res.destroy(), IDLE_MS);
        idle.unref();
      };
      touch();
      const done = (e?: Error) => {
        clearTimeout(idle);
        res.removeAllListeners('data');
        if (e) reject(e);
        else resolve();
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        touch();
        rest += chunk;
        let nl: number;
        while ((nl = rest.indexOf('\n')) >= 0) {
          const line = rest.slice(0, nl).trim();
          rest = rest.slice(nl + 1);
          if (!line) continue;
          try {
            this.line(resource, line);
          } catch (e) {
            res.destroy();
            return done(e as Error);
          }
        }
      });
      res.once('end', () => done());
      res.once('error', () => undefined);
      res.once('close', () => {
        if (this.stopped) return done();
        if (!res.complete)
          done(
            new AppError(ErrorCode.CLUSTER_UNREACHABLE, `Cluster ${client.cluster.name} is unreachable`, {
              cluster_id: client.cluster.id,
              cluster_name: client.cluster.name,
            }),
          );
        else done();
      });
    });
  }

  private line(resource: ApiResource, line: string): void {
    const ev = JSON.parse(line) as {
      type?: string;
      object?: KubeObject & { code?: number; message?: string };
    };
    const obj = ev.object;
    if (!obj || typeof obj !== 'object') return;
    if (ev.type === 'ERROR') {
      if (obj.code === 410) throw new Expired();
      throw new AppError(
        ErrorCode.CLUSTER_API_ERROR,
        `The watch ended with an error: ${String(obj.message ?? 'unknown').slice(0, 1000)}`,
        { kube_status: obj.code ?? null },
      );
    }
    const rv = obj.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.rv = rv;
      this.sink.object(
        'BOOKMARK',
        {
          apiVersion: apiVersionOf(resource),
          kind: resource.kind,
          metadata: { name: '', resourceVersion: rv },
        },
        rv,
      );
      return;
    }
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') return;
    if (rv) this.rv = rv;
    const keep = this.spec.filter?.() ?? null;
    if (keep && !keep(obj)) return;
    this.sink.object(ev.type, this.prepare(resource, obj), rv);
  }
}
