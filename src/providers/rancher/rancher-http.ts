import http from 'node:http';
import https from 'node:https';
import { GuardedHttpAgent, GuardedHttpsAgent } from '../../common/outbound/guarded-agent.js';
import { OutboundPolicy } from '../../common/outbound/outbound-policy.js';
import type { VendorFailure } from '../vendor-call.js';

/** A Rancher error answer: `{type:"error", status, code, message}`. */
export class RancherHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

export interface RancherHttpOptions {
  endpoint: string;
  token: string;
  caData?: string;
  insecureSkipTlsVerify?: boolean;
  timeoutMs: number;
  /** Checked on every connection (the resolved address); default: the built-in denials, loopback allowed. */
  outbound?: OutboundPolicy;
}

/**
 * Plain HTTP to Rancher with a bearer token and a keep-alive agent. Never a browser-like User-Agent
 * (Rancher enforces CSRF for those).
 */
export class RancherHttp {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly opts: RancherHttpOptions) {
    this.base = new URL(opts.endpoint);
    const policy = opts.outbound ?? OutboundPolicy.unconfigured();
    this.agent =
      this.base.protocol === 'https:'
        ? new GuardedHttpsAgent(policy, { keepAlive: true, ca: opts.caData ? Buffer.from(opts.caData, 'base64') : undefined, rejectUnauthorized: !opts.insecureSkipTlsVerify })
        : new GuardedHttpAgent(policy, { keepAlive: true });
  }

  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = lib.request(
        url,
        {
          method,
          agent: this.agent,
          timeout: this.opts.timeoutMs,
          headers: {
            authorization: `Bearer ${this.opts.token}`,
            accept: 'application/json',
            'user-agent': 'berth/0.1',
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown> | undefined;
            try {
              parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
            } catch {
              parsed = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 400) {
              const rid = res.headers['x-api-request-id'] ?? res.headers['x-request-id'];
              reject(new RancherHttpError(status, (parsed?.code as string) ?? null, typeof parsed?.message === 'string' ? parsed.message.slice(0, 1000) : `HTTP ${status}`, typeof rid === 'string' ? rid : null));
            } else resolve(parsed as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error(`Rancher did not answer within ${this.opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

export function classifyRancherError(e: unknown): VendorFailure {
  if (!(e instanceof RancherHttpError)) return { kind: 'unavailable', vendor_code: null, vendor_status: null, request_id: null, message: (e as Error)?.message ?? String(e) };
  const base = { vendor_code: e.code, vendor_status: e.status, request_id: e.requestId, message: e.message };
  if (e.status === 401) return { kind: 'credential', ...base };
  if (e.status === 429) return { kind: 'throttled', ...base };
  if (e.status === 404) return { kind: 'not_found', ...base };
  if (e.status === 503) return { kind: 'unavailable', ...base };
  if (e.status >= 500) return { kind: 'server', ...base };
  return { kind: 'client', ...base };
}
