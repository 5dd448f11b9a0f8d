import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { GuardedHttpAgent, GuardedHttpsAgent } from '../../common/outbound/guarded-agent.js';
import { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import type { RegistryConnection } from '../registry-provider.js';
import { harborError, harborTimeout, harborUnreachable, type HarborCallContext } from './harbor-errors.js';

export interface HarborHttpOptions {
  /** Bound on every single attempt (ms). */
  timeoutMs: number;
  /** Attempts for a retryable failure (429, 5xx, connection reset), first try included. */
  attempts: number;
  /** First backoff (ms); doubled per retry, with jitter; a Retry-After header wins (capped). */
  backoffMs: number;
  maxBackoffMs: number;
}

export const HARBOR_HTTP_OPTIONS = Symbol('HARBOR_HTTP_OPTIONS');
export const DEFAULT_HARBOR_HTTP_OPTIONS: HarborHttpOptions = {
  timeoutMs: 5000,
  attempts: 3,
  backoffMs: 200,
  maxBackoffMs: 2000,
};

export interface HarborRequest {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HarborResponse<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  body: T;
  requestId: string | null;
}

const API = '/api/v2.0';
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const RETRY_NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EAI_AGAIN', 'ETIMEDOUT']);

class NetworkFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
class AttemptTimeout extends Error {}

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The one way Berth talks HTTP to Harbor (v2.0 API): Basic auth from the registry's credential, a
 * timeout on every attempt, retries with backoff on 429/5xx for idempotent calls (POST only on 429,
 * which Harbor answers before doing anything), and Harbor's error format mapped to AppErrors.
 * Keep-alive agents are shared per protocol and TLS mode.
 */
@Injectable()
export class HarborHttpClient implements OnModuleDestroy {
  private readonly opts: HarborHttpOptions;
  private readonly agents: { http: HttpAgent; https: HttpsAgent; httpsInsecure: HttpsAgent };

  constructor(@Optional() @Inject(HARBOR_HTTP_OPTIONS) opts?: Partial<HarborHttpOptions>, @Optional() @Inject(APP_CONFIG) config?: AppConfig) {
    this.opts = { ...DEFAULT_HARBOR_HTTP_OPTIONS, ...(opts ?? {}) };
    // Every connection to a Harbor endpoint is checked against the outbound policy on its resolved address.
    const policy = config ? new OutboundPolicy(config.outbound) : OutboundPolicy.unconfigured();
    this.agents = {
      http: new GuardedHttpAgent(policy, { keepAlive: true, maxSockets: 32 }),
      https: new GuardedHttpsAgent(policy, { keepAlive: true, maxSockets: 32 }),
      httpsInsecure: new GuardedHttpsAgent(policy, { keepAlive: true, maxSockets: 32, rejectUnauthorized: false }),
    };
  }

  onModuleDestroy(): void {
    for (const a of Object.values(this.agents)) a.destroy();
  }

  /** Sends a call and parses the JSON answer; any status >= 400 becomes an AppError. */
  async call<T = unknown>(
    conn: RegistryConnection,
    method: string,
    path: string,
    req: HarborRequest = {},
  ): Promise<HarborResponse<T>> {
    const ctx: HarborCallContext = {
      registryId: conn.registryId,
      registryName: conn.registryName,
      credentialName: conn.credentialName,
    };
    const retryable = (status: number) =>
      RETRY_STATUS.has(status) && (IDEMPOTENT.has(method) || status === 429);
    for (let attempt = 1; ; attempt++) {
      const requestId = randomUUID();
      let res: RawResponse;
      try {
        res = await this.send(conn, method, path, req, requestId);
      } catch (e) {
        if (e instanceof AttemptTimeout) throw harborTimeout(ctx, this.opts.timeoutMs);
        if (e instanceof NetworkFailure) {
          if (attempt < this.opts.attempts && IDEMPOTENT.has(method) && RETRY_NETWORK.has(e.code)) {
            await sleep(this.backoff(attempt));
            continue;
          }
          throw harborUnreachable(ctx, e.message);
        }
        throw e;
      }
      const echoed = header(res.headers, 'x-request-id') ?? requestId;
      if (res.status < 400) {
        const text = res.body.toString('utf8');
        const type = header(res.headers, 'content-type') ?? '';
        const body = text && type.includes('json') ? (JSON.parse(text) as T) : (text as T);
        return { status: res.status, headers: res.headers, body, requestId: echoed };
      }
      const retryAfter = header(res.headers, 'retry-after') ?? undefined;
      if (attempt < this.opts.attempts && retryable(res.status)) {
        await sleep(this.backoff(attempt, retryAfter));
        continue;
      }
      throw harborError(ctx, res.status, res.body, echoed, retryAfter);
    }
  }

  private backoff(attempt: number, retryAfter?: string): number {
    const seconds = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : NaN;
    const base = Number.isFinite(seconds)
      ? seconds
      : this.opts.backoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2);
    return Math.min(base, this.opts.maxBackoffMs);
  }

  private send(
    conn: RegistryConnection,
    method: string,
    path: string,
    req: HarborRequest,
    requestId: string,
  ): Promise<RawResponse> {
    const base = conn.endpoint.replace(/\/+$/, '');
    const url = new URL(base + API + path);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'berth',
      'x-request-id': requestId,
      authorization: 'Basic ' + Buffer.from(`${conn.username}:${conn.password}`).toString('base64'),
      ...(req.headers ?? {}),
    };
    let payload: Buffer | undefined;
    if (req.body !== undefined) {
      payload = Buffer.from(JSON.stringify(req.body));
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const https = url.protocol === 'https:';
    const agent = https
      ? conn.insecureSkipTlsVerify
        ? this.agents.httpsInsecure
        : this.agents.https
      : this.agents.http;
    const send = https ? httpsRequest : httpRequest;
    const timeoutMs = this.opts.timeoutMs;
    return new Promise<RawResponse>((resolve, reject) => {
      let settled = false;
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        f();
      };
      const timer = setTimeout(() => {
        finish(() => reject(new AttemptTimeout()));
        r.destroy();
      }, timeoutMs);
      const r = send(url, { method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish(() =>
            resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
          ),
        );
        res.on('error', (e: NodeJS.ErrnoException) =>
          finish(() => reject(new NetworkFailure(e.code ?? 'ECONNRESET', e.message))),
        );
      });
      r.on('error', (e: NodeJS.ErrnoException) =>
        finish(() =>
          reject(new NetworkFailure(e.code ?? 'ECONNRESET', `${e.code ?? 'error'}: ${e.message}`)),
        ),
      );
      r.end(payload);
    });
  }
}

function header(h: IncomingHttpHeaders, name: string): string | null {
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
