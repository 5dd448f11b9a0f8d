import { KubeConfig } from '@kubernetes/client-node';
import { Logger } from '@nestjs/common';
import { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { type Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { GuardedHttpsAgent } from '../../common/outbound/guarded-agent.js';
import type { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import type { ClusterAccess } from './cluster-access.js';
import { Discovery } from './discovery.js';

export interface KubeRequest {
  query?: Record<string, string | number | boolean | undefined>;
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  /** Overrides the client's default timeout (ms). For streams it bounds the wait for the response head. */
  timeoutMs?: number;
}

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

/**
 * One cluster's API server: a keep-alive HTTPS agent built from the cluster's credential (through
 * @kubernetes/client-node's KubeConfig, fed only inline data), a timeout on every call, and errors
 * mapped to Berth's codes (unreachable 503, slow 504, Kubernetes 403/404/409 kept).
 */
export class KubeClient {
  readonly discovery = new Discovery(this);
  private closed = false;

  private constructor(
    readonly cluster: ClusterRef,
    private readonly base: URL,
    private readonly agent: Agent,
    private readonly headers: Record<string, string>,
    readonly timeoutMs: number,
  ) {}

  /** Every connection the client opens is checked against `policy` on the resolved address. */
  static async create(cluster: ClusterRef, access: ClusterAccess, timeoutMs: number, policy: OutboundPolicy): Promise<KubeClient> {
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
    const agent = new GuardedHttpsAgent(policy, {
      keepAlive: true,
      keepAliveMsecs: 30_000,
      maxSockets: 64,
      maxFreeSockets: 16,
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      rejectUnauthorized: !access.insecure_skip_tls_verify,
      servername: access.tls_server_name,
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k.toLowerCase()] = v;
    return new KubeClient(cluster, new URL(access.server), agent, headers, timeoutMs);
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  /** Sends a request and buffers the answer. Never throws for HTTP statuses; throws AppError for network failures and timeouts. */
  async request(method: string, path: string, req: KubeRequest = {}): Promise<KubeResponse> {
    const res = await this.open(method, path, req, req.timeoutMs ?? this.timeoutMs, true);
    return res as KubeResponse;
  }

  /** Sends a request and returns the parsed JSON answer; Kubernetes errors become AppErrors. */
  async json<T = unknown>(method: string, path: string, req: KubeRequest = {}): Promise<T> {
    const res = await this.request(method, path, { accept: 'application/json', ...req });
    if (res.status >= 400) throw this.statusError(res);
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  /** Opens a streaming request (logs with follow); the timeout only bounds the wait for the response head. */
  async stream(path: string, req: KubeRequest = {}): Promise<IncomingMessage> {
    return (await this.open('GET', path, req, req.timeoutMs ?? this.timeoutMs, false)) as IncomingMessage;
  }

  /**
   * A cluster's error answer in Berth's terms. Only a Kubernetes Status' message is relayed; any other
   * body (HTML of a web server, a proxy's page) becomes a generic message with the HTTP status.
   */
  statusError(res: KubeResponse): AppError {
    const status = kubeStatusOf(res.body);
    const message = `Cluster ${this.cluster.name}: ${status?.message ?? `HTTP ${res.status}${status ? '' : ' (not a Kubernetes Status)'}`}`;
    const details = { cluster_id: this.cluster.id, cluster_name: this.cluster.name, kube_status: res.status, kube_reason: status?.reason ?? null };
    switch (res.status) {
      case 400:
        return new AppError(ErrorCode.BAD_REQUEST, message, details);
      case 401:
        return new AppError(ErrorCode.CLUSTER_API_ERROR, `Cluster ${this.cluster.name} rejected Berth's credential (401); update the cluster's credential`, details);
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

  private open(method: string, path: string, req: KubeRequest, timeoutMs: number, buffer: boolean): Promise<KubeResponse | IncomingMessage> {
    if (this.closed) throw new AppError(ErrorCode.CLUSTER_UNREACHABLE, `Cluster ${this.cluster.name}: client closed`);
    const url = new URL(this.base.pathname.replace(/\/$/, '') + path, this.base);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...this.headers, accept: req.accept ?? 'application/json', 'user-agent': 'berth' };
    if (req.body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(req.body));
    }
    const details = { cluster_id: this.cluster.id, cluster_name: this.cluster.name };
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (e: AppError) => {
        if (!settled) {
          settled = true;
          reject(e);
        }
        r.destroy();
      };
      const timer = setTimeout(
        () => fail(new AppError(ErrorCode.UPSTREAM_TIMEOUT, `Cluster ${this.cluster.name} did not answer within ${timeoutMs} ms`, { ...details, timeout_ms: timeoutMs })),
        timeoutMs,
      );
      const r = httpsRequest(url, { method, headers, agent: this.agent }, (res) => {
        if (!buffer) {
          clearTimeout(timer);
          settled = true;
          if ((res.statusCode ?? 500) >= 400) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => reject(this.statusError({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) })));
            res.on('error', () => reject(this.statusError({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.alloc(0) })));
            return;
          }
          resolve(res);
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          if (!settled) {
            settled = true;
            resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) });
          }
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          fail(this.networkError(e));
        });
      });
      r.on('error', (e) => {
        clearTimeout(timer);
        fail(this.networkError(e));
      });
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  }

  /**
   * Every connection failure — refused, reset, not TLS, TLS verification failed, name not found, refused
   * by the outbound policy — is the same answer: which one it was would tell a caller what listens on
   * an address of Berth's network (a port scan through cluster import). The reason goes to the log only.
   */
  private networkError(e: Error & { code?: string }): AppError {
    if (e instanceof AppError) return e;
    log.warn(`cluster ${this.cluster.name} (${this.cluster.id}) at ${this.base.host} is unreachable: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' '));
    return new AppError(ErrorCode.CLUSTER_UNREACHABLE, `Cluster ${this.cluster.name} is unreachable`, { cluster_id: this.cluster.id, cluster_name: this.cluster.name });
  }
}
