import { Logger } from '@nestjs/common';
import {
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  validateHeaderValue,
} from 'node:http';
import type { ClientHttp2Stream, IncomingHttpHeaders as Http2Headers } from 'node:http2';
import { type Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { Readable } from 'node:stream';
import { createSecureContext } from 'node:tls';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { GuardedHttpsAgent } from '../../common/outbound/guarded-agent.js';
import type { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import type { ClusterAccess } from './cluster-access.js';
import { clientCertificateProblem, tokenProblem } from './credential-check.js';
import { Discovery } from './discovery.js';
import { H2Sessions } from './h2-sessions.js';
import type { KubeCallMeter } from './kube-call-meter.js';

export interface KubeRequest {
  query?: Record<string, string | number | boolean | undefined>;
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  /** Overrides the client's default timeout (ms). For streams it bounds the wait for the response head. */
  timeoutMs?: number;
  /** Aborts the call (the caller went away); a streamed response is destroyed when it fires. */
  signal?: AbortSignal;
  /**
   * A stream that stays open for as long as the caller reads (a watch, logs with follow): it never takes
   * one of the cluster's pooled, bounded keep-alive connections, which list pages and every other call
   * share (see longStream).
   */
  long?: boolean;
}

/** A long-lived answer (longStream): an HTTP/2 stream, or an HTTP/1.1 response where the server has no HTTP/2. */
export type LongStream = Readable & {
  readonly statusCode?: number;
  readonly headers: IncomingHttpHeaders | Http2Headers;
  /** The whole answer arrived (the server ended it), as opposed to a connection cut. */
  readonly complete: boolean;
};

export interface KubeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A Kubernetes Status object, as API servers send with errors. */
interface KubeStatus {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
}

/** The longest Status.message relayed to clients. */
const MAX_STATUS_MESSAGE = 1000;

/**
 * The body as a Kubernetes Status (`kind: "Status"`), or null when it is anything else. Only a Status
 * is relayed: a body from something that is not an API server (an internal web service reached through
 * a cluster record) never reaches clients.
 */
export function kubeStatusOf(body: Buffer): KubeStatus | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const s = parsed as Record<string, unknown>;
  if (s.kind !== 'Status') return null;
  return {
    kind: 'Status',
    message: typeof s.message === 'string' ? s.message.slice(0, MAX_STATUS_MESSAGE) : undefined,
    reason: typeof s.reason === 'string' ? s.reason.slice(0, 100) : undefined,
    code: typeof s.code === 'number' ? s.code : undefined,
  };
}

const log = new Logger('KubeClient');

export interface ClusterRef {
  id: string;
  name: string;
}

const ignore = () => undefined;

/** Connections per cluster. Calls beyond it wait in the agent's queue. */
const MAX_SOCKETS = 64;
/** How long a call may wait for a free connection: generous, since waiting is not the cluster's fault, but bounded. */
const queueBound = (timeoutMs: number) => Math.max(30_000, 10 * timeoutMs);

/**
 * One cluster's API server: a keep-alive HTTPS agent built from the cluster's credential (through
 * @kubernetes/client-node's KubeConfig, fed only inline data), a timeout on every call, and errors
 * mapped to Berth's codes (unreachable 503, slow 504, Kubernetes 403/404/409 kept).
 */
export class KubeClient {
  readonly discovery = new Discovery(this);
  private closed = false;
  /** Asked once when the cluster answers 401: a client with a renewed credential, or null (see ClusterClients). */
  private renewal?: () => Promise<KubeClient | null>;

  private constructor(
    readonly cluster: ClusterRef,
    private readonly base: URL,
    private readonly agent: Agent,
    private readonly headers: Record<string, string>,
    readonly timeoutMs: number,
    private readonly meter?: KubeCallMeter,
    private readonly h2?: H2Sessions,
  ) {}

  /**
   * Builds the client. Credential material Node's HTTP/TLS stack would throw on later (a token that is
   * not a valid header value, a certificate or key that is not PEM, a server that is not a URL) is
   * refused here with a clear 422, so a stored record can never make a request throw.
   */
  static async create(
    cluster: ClusterRef,
    access: ClusterAccess,
    timeoutMs: number,
    policy: OutboundPolicy,
    meter?: KubeCallMeter,
  ): Promise<KubeClient> {
    const unusable = (field: string, why: string) =>
      new AppError(
        ErrorCode.UNPROCESSABLE,
        `Cluster ${cluster.name}: the credential's ${field} ${why}; update the cluster's credential`,
        {
          cluster_id: cluster.id,
          cluster_name: cluster.name,
          field,
        },
      );
    // The record was sealed by Berth, but may predate today's checks (or have been written by hand).
    if (typeof access?.server !== 'string' || typeof access.auth !== 'object' || access.auth === null)
      throw unusable('access', 'is malformed');
    if (
      access.auth.type === 'token'
        ? typeof access.auth.token !== 'string'
        : typeof access.auth.cert_data !== 'string' || typeof access.auth.key_data !== 'string'
    ) {
      throw unusable('auth', 'is malformed');
    }
    let base: URL;
    try {
      base = new URL(access.server);
    } catch {
      throw unusable('server', 'is not a URL');
    }
    if (access.auth.type === 'token') {
      // Only what Node refuses is refused here (import and PATCH are stricter): a stored record that
      // works today keeps working.
      try {
        validateHeaderValue('authorization', `Bearer ${access.auth.token}`);
      } catch {
        throw unusable('token', tokenProblem(access.auth.token) ?? 'is not a valid header value');
      }
    } else {
      const problem = clientCertificateProblem(access.auth.cert_data, access.auth.key_data);
      if (problem)
        throw unusable(problem.part === 'cert' ? 'client-certificate-data' : 'client-key-data', problem.why);
    }
    try {
      // Loaded on the first client, not at boot: the library is about a second of module loading.
      const { KubeConfig } = await import('@kubernetes/client-node');
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [
          {
            name: 'cluster',
            server: access.server,
            caData: access.ca_data,
            skipTLSVerify: access.insecure_skip_tls_verify ?? false,
            tlsServerName: access.tls_server_name,
          },
        ],
        users: [
          access.auth.type === 'token'
            ? { name: 'user', token: access.auth.token }
            : { name: 'user', certData: access.auth.cert_data, keyData: access.auth.key_data },
        ],
        contexts: [{ name: 'berth', cluster: 'cluster', user: 'user' }],
        currentContext: 'berth',
      });
      const opts: RequestOptions = {};
      await kc.applyToHTTPSOptions(opts);
      // The agent builds its TLS context per connection, inside a request: build one now so bad
      // material fails here, not in the middle of a call.
      createSecureContext({ ca: opts.ca, cert: opts.cert, key: opts.key });
      // Every connection the client opens is checked against `policy` on the resolved address.
      const agent = new GuardedHttpsAgent(policy, {
        keepAlive: true,
        keepAliveMsecs: 30_000,
        maxSockets: MAX_SOCKETS,
        maxFreeSockets: 16,
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        rejectUnauthorized: !access.insecure_skip_tls_verify,
        servername: access.tls_server_name,
      });
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) {
        if (typeof v !== 'string') continue;
        validateHeaderValue(k, v);
        headers[k.toLowerCase()] = v;
      }
      const h2 =
        base.protocol === 'https:'
          ? new H2Sessions(
              base,
              {
                ca: opts.ca,
                cert: opts.cert,
                key: opts.key,
                rejectUnauthorized: !access.insecure_skip_tls_verify,
                servername: access.tls_server_name,
              },
              policy,
              timeoutMs,
            )
          : undefined;
      return new KubeClient(cluster, base, agent, headers, timeoutMs, meter, h2);
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw unusable('TLS material', `cannot be used (${String((e as Error)?.message ?? e).split('\n')[0]})`);
    }
  }

  /**
   * The connections' state: sockets in use (pooled calls and open streams: HTTP/2 streams count one each),
   * idle pooled sockets, and requests waiting for a pooled socket.
   */
  sockets(): { busy: number; free: number; queued: number } {
    const count = (m: NodeJS.ReadOnlyDict<unknown[]>) =>
      Object.values(m).reduce((n, list) => n + (list?.length ?? 0), 0);
    return {
      busy:
        count(this.agent.sockets) +
        (this.longAgent ? count(this.longAgent.sockets) : 0) +
        (this.h2?.streams ?? 0),
      free: count(this.agent.freeSockets),
      queued: count(this.agent.requests),
    };
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
    this.longAgent?.destroy();
    this.h2?.close();
  }

  /** TLS connections carrying HTTP/2 streams now (tests and benchmarks). */
  get h2Connections(): number {
    return this.h2?.connections ?? 0;
  }

  private longAgent?: Agent;

  /**
   * The raw pass-through of Berth's Kubernetes proxy and exec relay (src/live/): one request to this
   * cluster's API server with the stored credential; the caller's other headers go as given (the caller
   * strips its own Authorization, hop-by-hop and impersonation headers). `path` is a path below the
   * server's base (never a URL: it cannot change the host) and `search` its query string. Long-lived
   * requests (watch, follow, upgrades) use a second agent without a socket limit, so they never hold the
   * pooled connections of ordinary calls; both check every connection against the outbound policy.
   */
  passthrough(
    method: string,
    path: string,
    search: string,
    headers: Record<string, string | string[]>,
    long = false,
  ): ClientRequest {
    if (this.closed)
      throw new AppError(ErrorCode.CLUSTER_UNREACHABLE, `Cluster ${this.cluster.name}: client closed`, {
        cluster_id: this.cluster.id,
        cluster_name: this.cluster.name,
      });
    const url = new URL(this.base.href);
    url.pathname = this.base.pathname.replace(/\/$/, '') + path;
    url.search = search;
    const agent = long ? this.streamAgent() : this.agent;
    return httpsRequest(url, { method, headers: { ...headers, ...this.headers }, agent });
  }

  /**
   * The agent of long-lived answers (watches, logs -f): unpooled, so open streams never hold the
   * `MAX_SOCKETS` connections that every other call to the cluster shares (64 open watches used to starve them).
   */
  private streamAgent(): Agent {
    this.longAgent ??= new GuardedHttpsAgent((this.agent as GuardedHttpsAgent).policy, {
      ...(this.agent as GuardedHttpsAgent).options,
      keepAlive: false,
      maxSockets: Infinity,
    });
    return this.longAgent;
  }

  /** Reports a pass-through call to the cluster's request metrics. */
  metered(status: number | null, startedAt: number, error?: unknown): void {
    if (status !== null) this.meter?.answered(status, startedAt);
    else this.meter?.failed(error, startedAt);
  }

  /** A connection failure in Berth's one answer for them (the reason is logged, never sent). */
  unreachable(e: Error & { code?: string }): AppError {
    return this.networkError(e);
  }

  /** How this client gets a renewed credential when the cluster answers 401 (set by the pool's owner). */
  renewWith(renewal: () => Promise<KubeClient | null>): void {
    this.renewal = renewal;
  }

  /**
   * Sends a request and buffers the answer. Never throws for HTTP statuses; throws AppError for network
   * failures and timeouts. A 401 asks for a renewed credential once and sends the request again with it.
   */
  async request(method: string, path: string, req: KubeRequest = {}): Promise<KubeResponse> {
    const startedAt = performance.now();
    let res: KubeResponse;
    try {
      res = (await this.open(method, path, req, req.timeoutMs ?? this.timeoutMs, true)) as KubeResponse;
      this.meter?.answered(res.status, startedAt);
    } catch (e) {
      this.meter?.failed(e, startedAt);
      throw e;
    }
    if (res.status === 401 && this.renewal) {
      const renewed = await this.renewal();
      if (renewed && renewed !== this) return renewed.request(method, path, req);
    }
    return res;
  }

  /** Sends a request and returns the parsed JSON answer; Kubernetes errors become AppErrors. */
  async json<T = unknown>(method: string, path: string, req: KubeRequest = {}): Promise<T> {
    const res = await this.request(method, path, { accept: 'application/json', ...req });
    if (res.status >= 400) throw this.statusError(res);
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  /** Opens a streaming request (logs with follow); the timeout only bounds the wait for the response head. */
  async stream(path: string, req: KubeRequest = {}): Promise<IncomingMessage> {
    const startedAt = performance.now();
    try {
      const res = (await this.open(
        'GET',
        path,
        req,
        req.timeoutMs ?? this.timeoutMs,
        false,
      )) as IncomingMessage;
      this.meter?.answered(res.statusCode ?? 200, startedAt);
      return res;
    } catch (e) {
      this.meter?.failed(e, startedAt);
      throw e;
    }
  }

  /**
   * A GET whose answer stays open for as long as the caller reads (a watch, logs -f): over HTTP/2, so the
   * cluster's open streams share a few connections (H2Sessions), else (a server without HTTP/2) over a
   * connection of its own. The same rules as `stream`: the deadline bounds the wait for the response head,
   * an error answer is thrown as AppError, `req.signal` aborts the request and later destroys the stream.
   */
  async longStream(path: string, req: KubeRequest = {}): Promise<LongStream> {
    const startedAt = performance.now();
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    try {
      const res =
        (await this.openH2(path, req, timeoutMs)) ??
        ((await this.open('GET', path, { ...req, long: true }, timeoutMs, false)) as IncomingMessage);
      this.meter?.answered(res.statusCode ?? 200, startedAt);
      return res;
    } catch (e) {
      this.meter?.failed(e, startedAt);
      throw e;
    }
  }

  /**
   * `longStream` over HTTP/2; null when the server speaks no HTTP/2. Once the answer is handed over, nothing
   * of the request's own bookkeeping stays attached to the stream (it lives as long as the watch).
   */
  private async openH2(path: string, req: KubeRequest, timeoutMs: number): Promise<LongStream | null> {
    if (!this.h2) return null;
    const details = () => ({ cluster_id: this.cluster.id, cluster_name: this.cluster.name });
    const aborted = () =>
      new AppError(
        ErrorCode.UPSTREAM_TIMEOUT,
        `Cluster ${this.cluster.name}: the call was abandoned before it finished`,
        { ...details(), aborted: true },
      );
    const late = () =>
      new AppError(
        ErrorCode.UPSTREAM_TIMEOUT,
        `Cluster ${this.cluster.name} did not answer within ${timeoutMs} ms`,
        { ...details(), timeout_ms: timeoutMs },
      );
    const signal = req.signal;
    if (this.closed)
      throw new AppError(
        ErrorCode.CLUSTER_UNREACHABLE,
        `Cluster ${this.cluster.name}: client closed`,
        details(),
      );
    if (signal?.aborted) throw aborted();
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const started = Date.now();
    let stream: ClientHttp2Stream | null;
    let timer: NodeJS.Timeout | undefined;
    try {
      // The deadline covers a new session's TLS handshake too (H2Sessions bounds it by the same timeout).
      stream = await Promise.race([
        this.h2.request({
          ...this.headers,
          ':method': 'GET',
          ':path': url.pathname + url.search,
          accept: req.accept ?? 'application/json',
          'user-agent': 'berth',
        }),
        new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), timeoutMs))),
      ]);
    } catch (e) {
      throw this.networkError(e as Error);
    } finally {
      clearTimeout(timer);
    }
    if (!stream) return null;
    const s = stream;
    return new Promise<LongStream>((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        s.off('error', onError);
        s.off('close', onClose);
        s.off('response', onResponse);
      };
      const fail = (e: AppError) => {
        cleanup();
        s.destroy();
        reject(e);
      };
      const onAbort = () => fail(aborted());
      const onError = (e: Error) => fail(this.networkError(e));
      const onClose = () =>
        fail(this.networkError(Object.assign(new Error('the stream was reset'), { code: 'ECONNRESET' })));
      const onResponse = (headers: Http2Headers) => {
        const status = Number(headers[':status'] ?? 500);
        if (status < 400) {
          cleanup();
          // The caller attaches its own error listener; until then an error must not go unheard.
          s.on('error', ignore);
          const answer = Object.assign(s, { statusCode: status, headers, complete: false });
          s.once('end', () => (answer.complete = true));
          // The caller owns the stream now; the caller going away still destroys it.
          if (signal) {
            const gone = () => s.destroy();
            signal.addEventListener('abort', gone, { once: true });
            s.once('close', () => signal.removeEventListener('abort', gone));
          }
          return resolve(answer);
        }
        // An error answer: read its body, still within the deadline.
        s.off('response', onResponse);
        const chunks: Buffer[] = [];
        s.on('data', (c: Buffer) => chunks.push(c));
        s.once('end', () => {
          cleanup();
          reject(
            this.statusError({
              status,
              headers: headers as IncomingHttpHeaders,
              body: Buffer.concat(chunks),
            }),
          );
        });
      };
      timer = setTimeout(() => fail(late()), Math.max(0, timeoutMs - (Date.now() - started)));
      signal?.addEventListener('abort', onAbort, { once: true });
      s.on('error', onError);
      s.once('close', onClose);
      s.once('response', onResponse);
    });
  }

  /**
   * A cluster's error answer in Berth's terms. Only a Kubernetes Status' message is relayed; any other
   * body (HTML of a web server, a proxy's page) becomes a generic message with the HTTP status.
   */
  statusError(res: KubeResponse): AppError {
    const status = kubeStatusOf(res.body);
    const message = `Cluster ${this.cluster.name}: ${status?.message ?? `HTTP ${res.status}${status ? '' : ' (not a Kubernetes Status)'}`}`;
    const details = {
      cluster_id: this.cluster.id,
      cluster_name: this.cluster.name,
      kube_status: res.status,
      kube_reason: status?.reason ?? null,
    };
    switch (res.status) {
      case 400:
        return new AppError(ErrorCode.BAD_REQUEST, message, details);
      case 401:
        return new AppError(
          ErrorCode.CLUSTER_API_ERROR,
          `Cluster ${this.cluster.name} rejected Berth's credential (401); update the cluster's credential`,
          details,
        );
      case 403:
        return new AppError(ErrorCode.FORBIDDEN, message, details);
      case 404:
        return new AppError(ErrorCode.NOT_FOUND, message, details);
      case 405:
        return new AppError(ErrorCode.METHOD_NOT_ALLOWED, message, details);
      case 409:
      case 410:
        return new AppError(ErrorCode.CONFLICT, message, details);
      case 413:
        return new AppError(ErrorCode.PAYLOAD_TOO_LARGE, message, details);
      case 415:
        return new AppError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, message, details);
      case 422:
        return new AppError(ErrorCode.UNPROCESSABLE, message, details);
      case 429:
        return new AppError(ErrorCode.RATE_LIMITED, message, details);
      case 504:
        return new AppError(ErrorCode.UPSTREAM_TIMEOUT, message, details);
      default:
        return new AppError(ErrorCode.CLUSTER_API_ERROR, message, details);
    }
  }

  /**
   * The one place a request is sent. Every path settles the promise exactly once and releases the
   * request (and, for buffered calls, the response); nothing here can throw outside the promise.
   * - The deadline (`timeoutMs`) starts when the agent hands the request a socket: waiting in the
   *   agent's queue behind other calls to the same cluster is not the cluster being slow. The queue
   *   wait has its own, generous bound so a request can never wait forever.
   * - `req.signal` (the caller went away) aborts the request, and destroys a streamed response.
   */
  private open(
    method: string,
    path: string,
    req: KubeRequest,
    timeoutMs: number,
    buffer: boolean,
  ): Promise<KubeResponse | IncomingMessage> {
    const details = { cluster_id: this.cluster.id, cluster_name: this.cluster.name };
    return new Promise((resolve, reject) => {
      let settled = false;
      let r: ClientRequest | undefined;
      let res: IncomingMessage | undefined;
      let timer: NodeJS.Timeout | undefined;
      let queueTimer: NodeJS.Timeout | undefined;
      const signal = req.signal;
      const clear = () => {
        clearTimeout(timer);
        clearTimeout(queueTimer);
        signal?.removeEventListener('abort', onAbort);
      };
      const settle = (fn: () => void) => {
        clear();
        if (settled) return;
        settled = true;
        fn();
      };
      const fail = (e: AppError) => {
        settle(() => reject(e));
        res?.destroy();
        r?.destroy();
      };
      const onAbort = () =>
        fail(
          new AppError(
            ErrorCode.UPSTREAM_TIMEOUT,
            `Cluster ${this.cluster.name}: the call was abandoned before it finished`,
            { ...details, aborted: true },
          ),
        );
      try {
        if (this.closed)
          throw new AppError(
            ErrorCode.CLUSTER_UNREACHABLE,
            `Cluster ${this.cluster.name}: client closed`,
            details,
          );
        if (signal?.aborted) return onAbort();
        const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
        for (const [k, v] of Object.entries(req.query ?? {}))
          if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
        const headers: Record<string, string> = {
          ...this.headers,
          accept: req.accept ?? 'application/json',
          'user-agent': 'berth',
        };
        if (req.body !== undefined) {
          headers['content-type'] = req.contentType ?? 'application/json';
          headers['content-length'] = String(Buffer.byteLength(req.body));
        }
        const queueMs = queueBound(timeoutMs);
        queueTimer = setTimeout(
          () =>
            fail(
              new AppError(
                ErrorCode.UPSTREAM_TIMEOUT,
                `Cluster ${this.cluster.name}: no connection became free within ${queueMs} ms (${MAX_SOCKETS} calls in flight)`,
                {
                  ...details,
                  timeout_ms: queueMs,
                  queued: true,
                },
              ),
            ),
          queueMs,
        );
        signal?.addEventListener('abort', onAbort, { once: true });
        r = httpsRequest(
          url,
          { method, headers, agent: !buffer && req.long ? this.streamAgent() : this.agent },
          (response) => {
            res = response;
            if (settled) return void response.destroy();
            if (!buffer && (response.statusCode ?? 500) < 400) {
              settle(() => resolve(response));
              // The caller owns the stream now; the caller going away still destroys it.
              if (signal) {
                const gone = () => response.destroy();
                signal.addEventListener('abort', gone, { once: true });
                response.once('close', () => signal.removeEventListener('abort', gone));
              }
              return;
            }
            // Buffered calls and error answers of streams: read the body, still within the deadline.
            const chunks: Buffer[] = [];
            response.on('data', (c: Buffer) => chunks.push(c));
            response.on('end', () => {
              const answer = {
                status: response.statusCode ?? 500,
                headers: response.headers,
                body: Buffer.concat(chunks),
              };
              settle(() => (buffer ? resolve(answer) : reject(this.statusError(answer))));
            });
            response.on('error', (e) => fail(this.networkError(e)));
            response.on('close', () => {
              if (!response.complete)
                fail(
                  this.networkError(
                    Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' }),
                  ),
                );
            });
          },
        );
        r.once('socket', () => {
          clearTimeout(queueTimer);
          if (settled) return;
          timer = setTimeout(
            () =>
              fail(
                new AppError(
                  ErrorCode.UPSTREAM_TIMEOUT,
                  `Cluster ${this.cluster.name} did not answer within ${timeoutMs} ms`,
                  { ...details, timeout_ms: timeoutMs },
                ),
              ),
            timeoutMs,
          );
        });
        r.on('error', (e) => fail(this.networkError(e)));
        if (req.body !== undefined) r.write(req.body);
        r.end();
      } catch (e) {
        // A synchronous throw (a header Node refuses, TLS material it cannot load): nothing was sent.
        fail(
          e instanceof AppError
            ? e
            : new AppError(
                ErrorCode.UNPROCESSABLE,
                `Cluster ${this.cluster.name}: the request cannot be sent: ${String((e as Error)?.message ?? e).split('\n')[0]}`,
                {
                  ...details,
                  reason: (e as { code?: string })?.code ?? null,
                },
              ),
        );
      }
    });
  }

  /**
   * Every connection failure — refused, reset, not TLS, TLS verification failed, name not found, refused
   * by the outbound policy — is the same answer: which one it was would tell a caller what listens on
   * an address of Berth's network (a port scan through cluster import). The reason goes to the log only.
   */
  private networkError(e: Error & { code?: string }): AppError {
    if (e instanceof AppError) return e;
    log.warn(
      `cluster ${this.cluster.name} (${this.cluster.id}) at ${this.base.host} is unreachable: ${e.code ?? ''} ${e.message}`.replace(
        /\s+/g,
        ' ',
      ),
    );
    return new AppError(ErrorCode.CLUSTER_UNREACHABLE, `Cluster ${this.cluster.name} is unreachable`, {
      cluster_id: this.cluster.id,
      cluster_name: this.cluster.name,
    });
  }
}
