import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { AccessService } from '../../access/access.service.js';
import { Verb } from '../../access/roles.js';
import { RequestAuthenticator } from '../../auth/request-authenticator.js';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { ClusterClients } from '../../kube/access/cluster-clients.js';
import { sessionEvent } from '../proxy/k8s-proxy.js';
import {
  asAppError,
  authHeaders,
  envelope,
  hasImpersonation,
  upstreamHeaders,
  writeSocketResponse,
} from '../relay.js';
import { SessionRelay } from '../session-relay.js';

/** `/api/v1/clusters/:id/namespaces/:ns/pods/:name/(exec|attach|portforward)` */
export const POD_SESSION_PATH =
  /^\/api\/v1\/clusters\/([^/?]+)\/namespaces\/([^/?]+)\/pods\/([^/?]+)\/(exec|attach|portforward)(\?.*)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** DNS-1123 label (namespaces, containers) / subdomain (pod names), as Kubernetes validates them. */
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const BOOLS = new Set(['true', 'false', '1', '0']);

/** The query parameters each session kind passes to the API server (Kubernetes' own names). */
const ALLOWED: Record<string, ReadonlySet<string>> = {
  exec: new Set(['container', 'command', 'stdin', 'stdout', 'stderr', 'tty']),
  attach: new Set(['container', 'stdin', 'stdout', 'stderr', 'tty']),
  portforward: new Set(['ports']),
};

/**
 * Berth's own exec / attach / port-forward routes: a WebSocket upgrade (Kubernetes' channel subprotocols)
 * authenticated like every route, checked for `pods.exec` in the pod's namespace, validated, audited and
 * relayed to the cluster's API server as it is (SessionRelay). Refusals before the upgrade are Berth's
 * envelope with the honest status.
 */
@Injectable()
export class PodSessions {
  constructor(
    private readonly authn: RequestAuthenticator,
    private readonly access: AccessService,
    private readonly clients: ClusterClients,
    private readonly relay: SessionRelay,
  ) {}

  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, requestId: string): Promise<void> {
    const refuse = (err: AppError) =>
      writeSocketResponse(
        socket,
        err.status,
        '',
        [
          ['content-type', 'application/json; charset=utf-8'],
          ['x-request-id', requestId],
        ],
        envelope(err, requestId),
      );
    let session: Parameters<SessionRelay['relay']>[0]['session'];
    try {
      const m = POD_SESSION_PATH.exec(req.url ?? '')!;
      const [, rawId, rawNs, rawPod, kind] = m;
      const search = m[5] ?? '';
      const decode = (s: string) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return '\u0000';
        }
      };
      const id = decode(rawId);
      const ns = decode(rawNs);
      const pod = decode(rawPod);
      if (hasImpersonation(req))
        throw new AppError(ErrorCode.FORBIDDEN, 'Impersonate-* headers are refused: Berth decides who acts');
      const user = await this.authn.authenticate({ headers: authHeaders(req), ip: req.socket.remoteAddress });
      if (!UUID.test(id)) throw new AppError(ErrorCode.INVALID_ID, 'id must be a UUID', { field: 'id' });
      const query = new URLSearchParams(search);
      const path = `/api/v1/clusters/:id/namespaces/:ns/pods/:name/${kind}`;
      session = sessionEvent(user, kind as 'exec', id.toLowerCase(), path, ns, pod, query, req, requestId);
      try {
        await this.access.assert(user, Verb.PODS_EXEC, { cluster: id.toLowerCase(), namespace: ns });
        validate(kind, ns, pod, query, req);
      } catch (e) {
        await this.relay.refused(session, asAppError(e));
        throw e;
      }
      const client = await this.clients.client(id.toLowerCase());
      this.relay.relay({
        req,
        socket,
        head,
        client,
        path: `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/${kind}`,
        search: query.size ? `?${query.toString()}` : '',
        headers: upstreamHeaders(req, true),
        session,
        refuse,
      });
    } catch (e) {
      refuse(asAppError(e));
    }
  }
}

function validate(kind: string, ns: string, pod: string, query: URLSearchParams, req: IncomingMessage): void {
  const fields: { field: string; errors: string[] }[] = [];
  const bad = (field: string, why: string) => fields.push({ field, errors: [why] });
  if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket')
    bad(
      'upgrade',
      'must be websocket (Kubernetes channel subprotocols: v5.channel.k8s.io, v4.channel.k8s.io, v2.portforward.k8s.io)',
    );
  if (!LABEL.test(ns)) bad('ns', 'must be a DNS-1123 label');
  if (!SUBDOMAIN.test(pod)) bad('name', 'must be a DNS-1123 subdomain');
  for (const key of new Set(query.keys()))
    if (!ALLOWED[kind].has(key)) bad(key, `is not a parameter of ${kind} (${[...ALLOWED[kind]].join(', ')})`);
  const container = query.get('container');
  if (container !== null && !LABEL.test(container)) bad('container', 'must be a DNS-1123 label');
  for (const b of ['stdin', 'stdout', 'stderr', 'tty'])
    if (query.has(b) && !BOOLS.has(query.get(b)!)) bad(b, 'must be true or false');
  if (kind === 'exec') {
    const command = query.getAll('command');
    if (!command.length || command.some((c) => c.length === 0 || c.length > 4096 || c.includes('\u0000')))
      bad('command', 'is required: one `command=` per argument, each 1-4096 characters');
  }
  if (kind === 'portforward') {
    const ports = query.getAll('ports').flatMap((p) => p.split(','));
    if (!ports.length || ports.some((p) => !/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535))
      bad('ports', 'is required: port numbers 1-65535');
  }
  if (fields.length) throw AppError.validation(fields);
}
