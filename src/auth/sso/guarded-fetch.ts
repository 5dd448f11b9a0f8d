import type http from 'node:http';
import { guardedAgent, sendHttp } from '../../common/http/vendor-transport.js';
import type { OutboundPolicy } from '../../common/outbound/outbound-policy.js';

export type FetchLike = (
  url: string,
  init: {
    method: string;
    headers?: Record<string, string> | Headers;
    body?: unknown;
    signal?: AbortSignal;
  },
) => Promise<Response>;

function bodyOf(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(new Uint8Array(body));
  throw new Error('unsupported request body for the SSO issuer');
}

/**
 * A Fetch-compatible function for the OIDC issuer (discovery, JWKS, token endpoint) whose every connection
 * is checked against Berth's outbound policy on the resolved address: the discovery document names the
 * other endpoints, so they are as untrusted as a user-given URL. Never follows redirects; bounded in time.
 */
export function guardedFetch(policy: OutboundPolicy, timeoutMs: number): FetchLike {
  const agents: Record<string, http.Agent> = {
    'http:': guardedAgent(policy, 'http:', { maxSockets: 16 }),
    'https:': guardedAgent(policy, 'https:', { maxSockets: 16 }),
  };
  return async (url, init) => {
    const u = new URL(url);
    const agent = agents[u.protocol];
    if (!agent) throw new Error(`the SSO issuer gave a ${u.protocol} URL`);
    const headers: Record<string, string> = {};
    new Headers(init.headers as ConstructorParameters<typeof Headers>[0]).forEach((v, k) => (headers[k] = v));
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const res = await sendHttp({
      method: init.method,
      url: u,
      headers,
      body: bodyOf(init.body),
      agent,
      signal,
    });
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers))
      if (v !== undefined) for (const one of [v].flat()) out.append(k, String(one));
    const nullBody = res.status === 204 || res.status === 304 || init.method === 'HEAD';
    return new Response(nullBody ? null : new Uint8Array(res.body), { status: res.status, headers: out });
  };
}
