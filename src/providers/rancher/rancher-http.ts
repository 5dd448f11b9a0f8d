import type http from 'node:http';
import { unrecognisedFailure, type VendorFailure } from '../../common/http/vendor-caller.js';
import { guardedAgent, header, sendHttp } from '../../common/http/vendor-transport.js';
import { OutboundPolicy } from '../../common/outbound/outbound-policy.js';

/** A Rancher error answer: `{type:"error", status, code, message}`. */
export class RancherHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
    readonly requestId: string | null,
    readonly retryAfter: string | null = null,
  ) {
    super(message);
  }
}

export interface RancherHttpOptions {
  endpoint: string;
  token: string;
  caData?: string;
  insecureSkipTlsVerify?: boolean;
  /** Checked on every connection (the resolved address); default: the built-in denials, loopback allowed. */
  outbound?: OutboundPolicy;
}

/**
 * Plain HTTP to Rancher with a bearer token and a keep-alive agent. Never a browser-like User-Agent
 * (Rancher enforces CSRF for those). Deadline and retries are the caller's (ProviderCaller): `signal`
 * ends the request.
 */
export class RancherHttp {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly opts: RancherHttpOptions) {
    this.base = new URL(opts.endpoint);
    this.agent = guardedAgent(opts.outbound ?? OutboundPolicy.unconfigured(), this.base.protocol, {
      ca: opts.caData ? Buffer.from(opts.caData, 'base64') : undefined,
      insecureSkipTlsVerify: opts.insecureSkipTlsVerify,
    });
  }

  async json<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const res = await sendHttp({
      method,
      url: new URL(path, this.base),
      agent: this.agent,
      signal,
      body: payload,
      headers: {
        authorization: `Bearer ${this.opts.token}`,
        accept: 'application/json',
        'user-agent': 'berth/0.1',
        ...(payload ? { 'content-type': 'application/json' } : {}),
      },
    });
    const text = res.body.toString('utf8');
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.status >= 400) {
      const rid = header(res.headers, 'x-api-request-id') ?? header(res.headers, 'x-request-id');
      const message =
        typeof parsed?.message === 'string' ? parsed.message.slice(0, 1000) : `HTTP ${res.status}`;
      throw new RancherHttpError(
        res.status,
        typeof parsed?.code === 'string' ? parsed.code : null,
        message,
        rid,
        header(res.headers, 'retry-after'),
      );
    }
    return parsed as T;
  }
}

/** Rancher's answers in Berth's terms (network failures are classified before, by the caller). */
export function classifyRancherError(e: unknown): VendorFailure {
  if (!(e instanceof RancherHttpError)) return unrecognisedFailure(e);
  const base = {
    vendor_code: e.code,
    vendor_status: e.status,
    request_id: e.requestId,
    message: e.message,
    retry_after: e.retryAfter,
  };
  if (e.status === 401) return { kind: 'credential', ...base };
  if (e.status === 429) return { kind: 'throttled', ...base };
  if (e.status === 404) return { kind: 'not_found', ...base };
  if (e.status === 503) return { kind: 'unavailable', ...base };
  if (e.status >= 500) return { kind: 'server', ...base };
  return { kind: 'client', ...base };
}
