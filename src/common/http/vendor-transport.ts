import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { GuardedHttpAgent, GuardedHttpsAgent } from '../outbound/guarded-agent.js';
import type { OutboundPolicy } from '../outbound/outbound-policy.js';

export interface VendorHttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** JSON-encoded by the caller; content-length is set here. */
  body?: Buffer;
  /** A guarded agent (see `guardedAgent`): every connection is checked against the outbound policy. */
  agent: http.Agent;
  /** Ends the request (the VendorCaller's deadline). */
  signal?: AbortSignal;
}

export interface VendorHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A keep-alive agent for the URL's protocol whose every connection is checked against the outbound policy. */
export function guardedAgent(
  policy: OutboundPolicy,
  protocol: string,
  o: { ca?: Buffer; insecureSkipTlsVerify?: boolean; maxSockets?: number } = {},
): http.Agent {
  return protocol === 'https:'
    ? new GuardedHttpsAgent(policy, {
        keepAlive: true,
        maxSockets: o.maxSockets,
        ca: o.ca,
        rejectUnauthorized: !o.insecureSkipTlsVerify,
      })
    : new GuardedHttpAgent(policy, { keepAlive: true, maxSockets: o.maxSockets });
}

/**
 * One HTTP exchange, body read to the end. Resolves with any status (the vendor's classifier reads
 * error answers); rejects with the socket's own error (its `code` kept for `networkFailure`) or the
 * signal's reason when aborted.
 */
export function sendHttp(req: VendorHttpRequest): Promise<VendorHttpResponse> {
  const lib = req.url.protocol === 'https:' ? https : http;
  const headers = { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) };
  return new Promise<VendorHttpResponse>((resolve, reject) => {
    if (req.signal?.aborted) return reject(req.signal.reason as Error);
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      req.signal?.removeEventListener('abort', onAbort);
      f();
    };
    const r = lib.request(req.url, { method: req.method, headers, agent: req.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        finish(() =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        ),
      );
      res.on('error', (e) => finish(() => reject(e)));
      res.on('aborted', () =>
        finish(() =>
          reject(
            Object.assign(new Error('the vendor closed the connection mid-answer'), { code: 'ECONNRESET' }),
          ),
        ),
      );
    });
    const onAbort = () => {
      const reason = req.signal?.reason as Error;
      finish(() => reject(reason));
      r.destroy(reason);
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    r.on('error', (e) => finish(() => reject(e)));
    r.end(req.body);
  });
}

export function header(h: IncomingHttpHeaders, name: string): string | null {
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}
