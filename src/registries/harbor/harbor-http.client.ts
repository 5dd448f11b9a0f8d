import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { VendorCaller, type VendorRetryPolicy } from '../../common/http/vendor-caller.js';
import { guardedAgent, header, sendHttp } from '../../common/http/vendor-transport.js';
import { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { MetricsService } from '../../metrics/metrics.service.js';
import type { RegistryConnection } from '../registry-provider.js';
import {
  harborError,
  harborErrorMapping,
  HarborStatusError,
  type HarborCallContext,
} from './harbor-errors.js';

/** Deadline and retries of every Harbor call (see common/http/vendor-caller). */
export const DEFAULT_HARBOR_HTTP_OPTIONS: Required<Omit<VendorRetryPolicy, 'meter'>> = {
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
const ctx = (c: RegistryConnection): HarborCallContext => ({
  registryId: c.registryId,
  registryName: c.registryName,
  credentialName: c.credentialName,
});
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** `/projects/p/repositories/r/artifacts/x/tags` → `/projects/{}/repositories/{}/artifacts/{}/tags` (a bounded metrics label). */
export function pathTemplate(path: string): string {
  return path
    .split('?')[0]
    .split('/')
    .map((seg, i) => (i % 2 === 0 && i > 0 ? '{}' : seg))
    .join('/');
}

/**
 * The one way Berth talks HTTP to Harbor (v2.0 API): Basic auth from the registry's credential, sent
 * through the one vendor caller (a deadline on every attempt, retries with backoff on 429 for every
 * call and on 5xx / broken connections for idempotent ones, Retry-After honoured), and Harbor's error
 * format mapped to AppErrors (harbor-errors). Keep-alive agents are shared per protocol and TLS mode.
 */
@Injectable()
export class HarborHttpClient implements OnModuleDestroy {
  private readonly opts: Required<Omit<VendorRetryPolicy, 'meter'>> & VendorRetryPolicy;
  private readonly agents: { http: http.Agent; https: http.Agent; httpsInsecure: http.Agent };

  /** `opts` is for tests (Nest injects only the configuration). */
  constructor(
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
    @Optional() opts?: Partial<VendorRetryPolicy>,
    @Optional() metrics?: MetricsService,
  ) {
    this.opts = {
      ...DEFAULT_HARBOR_HTTP_OPTIONS,
      ...(config
        ? { timeoutMs: config.vendors.harbor_timeout_ms, attempts: config.vendors.harbor_attempts }
        : {}),
      meter: metrics?.vendorMeter,
      ...(opts ?? {}),
    };
    // Every connection to a Harbor endpoint is checked against the outbound policy on its resolved address.
    const policy = config ? new OutboundPolicy(config.outbound) : OutboundPolicy.unconfigured();
    this.agents = {
      http: guardedAgent(policy, 'http:', { maxSockets: 32 }),
      https: guardedAgent(policy, 'https:', { maxSockets: 32 }),
      httpsInsecure: guardedAgent(policy, 'https:', { maxSockets: 32, insecureSkipTlsVerify: true }),
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
    const caller = new VendorCaller(this.opts, harborErrorMapping(ctx(conn), this.opts.timeoutMs), 'harbor');
    return caller.call(`${method} ${path}`, (signal) => this.send<T>(conn, method, path, req, signal), {
      idempotent: IDEMPOTENT.has(method),
      operation: `${method} ${pathTemplate(path)}`,
    });
  }

  private async send<T>(
    conn: RegistryConnection,
    method: string,
    path: string,
    req: HarborRequest,
    signal: AbortSignal,
  ): Promise<HarborResponse<T>> {
    const url = new URL(conn.endpoint.replace(/\/+$/, '') + API + path);
    for (const [k, v] of Object.entries(req.query ?? {}))
      if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    const requestId = randomUUID();
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'berth',
      'x-request-id': requestId,
      authorization: 'Basic ' + Buffer.from(`${conn.username}:${conn.password}`).toString('base64'),
      ...(req.headers ?? {}),
    };
    let body: Buffer | undefined;
    if (req.body !== undefined) {
      body = Buffer.from(JSON.stringify(req.body));
      headers['content-type'] = 'application/json';
    }
    const agent =
      url.protocol === 'https:'
        ? conn.insecureSkipTlsVerify
          ? this.agents.httpsInsecure
          : this.agents.https
        : this.agents.http;
    const res = await sendHttp({ method, url, headers, body, agent, signal });
    const echoed = header(res.headers, 'x-request-id') ?? requestId;
    if (res.status >= 400)
      throw new HarborStatusError(
        res.status,
        res.body,
        echoed,
        header(res.headers, 'retry-after') ?? undefined,
      );
    const text = res.body.toString('utf8');
    const type = header(res.headers, 'content-type') ?? '';
    let parsed: T;
    try {
      parsed = text && type.includes('json') ? (JSON.parse(text) as T) : (text as T);
    } catch {
      throw harborError(ctx(conn), res.status, 'the answer is not valid JSON', echoed);
    }
    return { status: res.status, headers: res.headers, body: parsed, requestId: echoed };
  }
}
