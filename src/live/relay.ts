import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../common/app-error.js';
import { ErrorCode, statusOf } from '../common/error-codes.js';

/**
 * Headers never passed between the caller and the cluster: hop-by-hop headers (RFC 9110 §7.6.1), the
 * caller's own credential (the cluster gets Berth's stored one), cookies, and the front-proxy identity
 * headers an API server may trust. Impersonation headers are refused before this (see hasImpersonation).
 */
const STRIPPED_REQUEST = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'authorization',
  'cookie',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-remote-user',
  'x-remote-group',
  'x-remote-uid',
]);
const STRIPPED_RESPONSE = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
]);

/** The prefix of the WebSocket subprotocol that carries a bearer token (browsers cannot set headers). */
export const WS_BEARER_PROTOCOL = 'base64url.bearer.authorization.k8s.io.';

/** Whether the request carries any `Impersonate-*` header (refused: Berth decides who acts). */
export function hasImpersonation(req: IncomingMessage): boolean {
  return Object.keys(req.headers).some((h) => h.startsWith('impersonate-'));
}

/** Names listed in a Connection header are hop-by-hop too. */
function connectionListed(raw: string[]): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i].toLowerCase() === 'connection')
      for (const n of raw[i + 1].split(',')) out.add(n.trim().toLowerCase());
  return out;
}

/**
 * The caller's headers to send upstream, duplicates kept as separate lines (SPDY's
 * X-Stream-Protocol-Version comes once per protocol). For an upgrade, `Connection: Upgrade` and the
 * `Upgrade` header are kept, and the bearer subprotocol is removed from Sec-WebSocket-Protocol.
 */
export function upstreamHeaders(req: IncomingMessage, upgrade: boolean): Record<string, string | string[]> {
  const listed = connectionListed(req.rawHeaders);
  const out: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    let value = req.rawHeaders[i + 1];
    if (STRIPPED_REQUEST.has(name) || name.startsWith('impersonate-')) continue;
    if (listed.has(name) && !(upgrade && name.startsWith('sec-websocket-'))) continue;
    if (name === 'sec-websocket-protocol') {
      value = value
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p && !p.startsWith(WS_BEARER_PROTOCOL))
        .join(', ');
      if (!value) continue;
    }
    (out[name] ??= []).push(value);
  }
  if (upgrade) {
    out.connection = ['Upgrade'];
    out.upgrade = [String(req.headers.upgrade ?? '')];
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
}

/** The cluster's response headers to relay (hop-by-hop and cookies dropped), duplicates kept. */
export function downstreamHeaders(res: IncomingMessage): [string, string][] {
  const listed = connectionListed(res.rawHeaders);
  const out: [string, string][] = [];
  for (let i = 0; i < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i].toLowerCase();
    if (STRIPPED_RESPONSE.has(name) || listed.has(name)) continue;
    out.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
  }
  return out;
}

/**
 * For upgrades: a bearer token sent as the WebSocket subprotocol `base64url.bearer.authorization.k8s.io.<token>`
 * (what browser terminals and client-go use where headers cannot be set) becomes the Authorization header
 * the authenticator reads. An Authorization header wins.
 */
export function authHeaders(req: IncomingMessage): Record<string, unknown> {
  if (req.headers.authorization) return req.headers;
  const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  const carried = protocols.find((p) => p.startsWith(WS_BEARER_PROTOCOL));
  if (!carried) return req.headers;
  const token = Buffer.from(carried.slice(WS_BEARER_PROTOCOL.length), 'base64url').toString('utf8');
  return { ...req.headers, authorization: `Bearer ${token}` };
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  422: 'Invalid',
  426: 'BadRequest',
  429: 'TooManyRequests',
  500: 'InternalError',
  502: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** An error as a Kubernetes Status (what kubectl and client-go read on /k8s). */
export function kubeStatus(status: number, message: string): string {
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: REASONS[status] ?? 'Unknown',
    code: status,
  });
}

/** An error as Berth's envelope (what /api/v1 callers read). */
export function envelope(err: AppError, requestId: string): string {
  return JSON.stringify({
    code: err.code,
    message: err.message,
    data: err.details ?? null,
    request_id: requestId,
  });
}

/** Any thrown value as an AppError (unknown errors become a generic 500). */
export function asAppError(e: unknown): AppError {
  return e instanceof AppError ? e : new AppError(ErrorCode.INTERNAL, 'Internal error');
}

export function statusOfError(e: AppError): number {
  return statusOf(e.code);
}

/** Writes a complete HTTP/1.1 response on a socket that has not been upgraded, then closes it. */
export function writeSocketResponse(
  socket: Duplex,
  status: number,
  statusText: string,
  headers: [string, string][],
  body: Buffer | string,
): void {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const text = statusText || STATUS_CODES[status] || 'Error';
  let head = `HTTP/1.1 ${status} ${text.replace(/[\r\n]/g, ' ')}\r\n`;
  for (const [k, v] of headers) head += `${k}: ${v.replace(/[\r\n]/g, ' ')}\r\n`;
  head += `content-length: ${b.length}\r\nconnection: close\r\n\r\n`;
  if (socket.destroyed) return;
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), b]));
}
