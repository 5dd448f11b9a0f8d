import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { AccessService } from '../../access/access.service.js';
import { RequestAuthenticator } from '../../auth/request-authenticator.js';
import type { AuthUser } from '../../auth/role.js';
import { AppError } from '../../common/app-error.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { ErrorCode } from '../../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { ClusterClients } from '../../kube/access/cluster-clients.js';
import {
  asAppError,
  authHeaders,
  downstreamHeaders,
  hasImpersonation,
  kubeStatus,
  upstreamHeaders,
  writeSocketResponse,
} from '../relay.js';
import { SessionRelay } from '../session-relay.js';
import { StreamAuth } from '../watch/stream-auth.js';
import { type ProxyAccess, proxyAccess } from './proxy-access.js';
import { type RequestInfo, requestInfo } from './request-info.js';
import { type ReviewSpec, reviewSpec } from './review-body.js';

export const K8S_PREFIX = '/k8s/clusters/';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** How long a proxied request waits for the API server's response head. */
const HEAD_TIMEOUT_MS = 60_000;
const MAX_REVIEW_BODY = 64 * 1024;

interface Target {
  clusterId: string;
  /** Decoded path below the cluster (what is classified). */
  path: string;
  /** The path as the caller encoded it (what is sent). */
  rawPath: string;
  search: string;
}

/** `/k8s/clusters/<id>/<path>?<query>` → its parts; refuses paths the API server would read differently. */
export function parseTarget(url: string): Target {
  const q = url.indexOf('?');
  const rawAll = q < 0 ? url : url.slice(0, q);
  const search = q < 0 ? '' : url.slice(q);
  const rest = rawAll.slice(K8S_PREFIX.length);
  const slash = rest.indexOf('/');
  const clusterId = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
  if (!UUID.test(clusterId)) throw new AppError(ErrorCode.NOT_FOUND, `Cluster ${clusterId} not found`);
  const rawPath = slash < 0 ? '/' : rest.slice(slash);
  const bad = () =>
    new AppError(ErrorCode.BAD_REQUEST, `The path ${rawPath.slice(0, 200)} is not a Kubernetes API path`);
  if (/%2f|%5c|%00|\\/i.test(rawPath) || /\/\/|(^|\/)\.\.?(\/|$)/.test(rawPath)) throw bad();
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw bad();
  }
  return { clusterId, path, rawPath, search };
}

function truthy(v: string | null): boolean {
  return v === 'true' || v === '1';
}

/**
 * `/k8s/clusters/:id/*`: the Kubernetes API of a cluster through Berth, for kubectl, k9s, Lens and
 * client-go. Berth authenticates the caller (Authorization: Bearer, the same authenticator as every route),
 * classifies the request as the API server does, checks the mapped Berth verb with AccessService, audits
 * changes, and sends the request with the cluster's stored credential (never the caller's header) through
 * the cluster's outbound-policy-checked agent. Bodies and answers stream both ways unbuffered (watch,
 * logs -f); upgrades (WebSocket and SPDY/3.1) are relayed as raw sockets by SessionRelay. Berth's own
 * refusals are Kubernetes Status objects, so kubectl prints them as it prints the API server's.
 */
@Injectable()
export class KubeProxy implements OnModuleInit {
  private readonly logger = new Logger(KubeProxy.name);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authn: RequestAuthenticator,
    private readonly access: AccessService,
    private readonly clients: ClusterClients,
    private readonly audit: AuditService,
    private readonly relay: SessionRelay,
    private readonly streamAuth: StreamAuth,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: `${K8S_PREFIX}*`,
      // Taken over before Fastify parses a body: the request stream goes to the cluster as it arrives.
      onRequest: (req, reply, done) => {
        reply.hijack();
        void this.http(req.raw, reply.raw, req.id, req.ip);
        done();
      },
      handler: async () => undefined,
    });
  }

  // ---- plain requests -------------------------------------------------------------------------------

  private async http(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    ip: string,
  ): Promise<void> {
    res.setHeader('x-request-id', requestId);
    let user: AuthUser | null = null;
    let target: Target | null = null;
    let info: RequestInfo | null = null;
    try {
      target = parseTarget(req.url ?? '');
      const t = target;
      if (hasImpersonation(req))
        throw new AppError(ErrorCode.FORBIDDEN, 'Impersonate-* headers are refused: Berth decides who acts');
      user = await this.authn.authenticate({ headers: req.headers, ip });
      info = requestInfo(req.method ?? 'GET', t.path, new URLSearchParams(t.search));
      const a = await this.authorize(user, t.clusterId, info);
      if (a.local === 'selfsubjectaccessreview') return await this.review(req, res, user, t.clusterId);
      const client = await this.clients.client(t.clusterId);
      const query = new URLSearchParams(t.search);
      const long = info.verb === 'watch' || truthy(query.get('follow'));
      const startedAt = performance.now();
      const up = client.passthrough(
        req.method ?? 'GET',
        t.rawPath,
        t.search,
        upstreamHeaders(req, false),
        long,
      );
      const timer = setTimeout(() => {
        up.destroy();
        this.answer(
          res,
          new AppError(
            ErrorCode.UPSTREAM_TIMEOUT,
            `Cluster ${client.cluster.name} did not answer within ${HEAD_TIMEOUT_MS} ms`,
          ),
        );
      }, HEAD_TIMEOUT_MS);
      res.on('close', () => {
        clearTimeout(timer);
        if (!res.writableFinished) up.destroy();
      });
      up.on('error', (e) => {
        clearTimeout(timer);
        client.metered(null, startedAt, e);
        if (res.headersSent) res.destroy();
        else this.answer(res, client.unreachable(e));
      });
      up.on('response', (ures) => {
        clearTimeout(timer);
        client.metered(ures.statusCode ?? 500, startedAt);
        const relay = () => {
          const flat: string[] = [];
          for (const [k, v] of downstreamHeaders(ures)) flat.push(k, v);
          flat.push('x-request-id', requestId);
          res.writeHead(ures.statusCode ?? 502, ures.statusMessage, flat);
          res.flushHeaders();
          ures.pipe(res);
          ures.on('error', () => res.destroy());
          if (long) this.recheckWhileOpen(req, res, ures, user!, t.clusterId, a, ip);
        };
        if (!a.mutating) return relay();
        // A change is answered only once its audit row is written (README "Audit").
        this.recordChange(user!, t, info!, req, requestId, ip, ures.statusCode ?? 502).then(relay, () => {
          ures.destroy();
          this.answer(
            res,
            new AppError(
              ErrorCode.DEPENDENCY_UNAVAILABLE,
              'Postgres is unavailable: the audit record of this request could not be written, so it is not reported as done; its effect may have been applied — check before retrying',
            ),
          );
        });
      });
      req.pipe(up);
    } catch (e) {
      const err = asAppError(e);
      if (!(e instanceof AppError)) this.logger.error({ err: (e as Error)?.message }, 'proxy request failed');
      if (MUTATING_METHODS.has(req.method ?? '') && target)
        await this.recordChange(user, target, info, req, requestId, ip, err.status, err.code).catch(
          () => undefined,
        );
      this.answer(res, err);
    }
  }

  /**
   * A long-lived answer (watch, logs -f) re-checks its caller every `watch.recheck_seconds`, as an SSE
   * stream does (StreamAuth: token expired or revoked, then the grant): once either fails, the upstream
   * response is dropped and the answer ends, so `kubectl get -w` stops.
   */
  private recheckWhileOpen(
    req: IncomingMessage,
    res: ServerResponse,
    ures: IncomingMessage,
    opened: AuthUser,
    clusterId: string,
    a: Exclude<ProxyAccess, { refused: string }>,
    ip: string,
  ): void {
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    let checking = false;
    const end = (why: string) => {
      clearInterval(timer);
      this.logger.log({ cluster: clusterId, user: opened.username, why }, 'proxied stream ended by re-check');
      ures.unpipe(res);
      ures.destroy();
      res.end();
    };
    const check = async () => {
      if (checking || res.writableEnded) return;
      checking = true;
      try {
        const auth = await this.streamAuth.recheck(bearer, opened, { ip, headers: req.headers });
        if ('reason' in auth) return end(auth.reason);
        await this.access.assert(auth.user, a.verb, { cluster: clusterId, namespace: a.namespace });
      } catch (e) {
        end(e instanceof AppError ? e.message : 'the re-check failed');
      } finally {
        checking = false;
      }
    };
    const timer = setInterval(() => void check(), this.config.watch.recheck_seconds * 1000);
    res.on('close', () => clearInterval(timer));
  }

  /** The Berth verb of a classified request, checked (404 hidden / 403 forbidden). */
  private async authorize(
    user: AuthUser,
    clusterId: string,
    info: RequestInfo,
  ): Promise<Exclude<ProxyAccess, { refused: string }>> {
    const a = proxyAccess(info);
    if ('refused' in a) throw new AppError(ErrorCode.FORBIDDEN, a.refused);
    await this.access.assert(user, a.verb, { cluster: clusterId, namespace: a.namespace });
    return a;
  }

  private recordChange(
    user: AuthUser | null,
    t: Target,
    info: RequestInfo | null,
    req: IncomingMessage,
    requestId: string,
    ip: string,
    status: number,
    errorCode: number | null = null,
  ): Promise<string> {
    return this.audit.recordEvent({
      actor: user,
      action: `k8s.${info?.isResourceRequest ? info.verb : (req.method ?? 'GET').toLowerCase()}`,
      method: req.method ?? 'GET',
      path: `/k8s/clusters/:id${t.path}`,
      targetType: 'clusters',
      targetId: t.clusterId,
      statusCode: status,
      errorCode,
      requestId,
      ip,
      details: info?.isResourceRequest
        ? {
            api_group: info.apiGroup,
            resource: info.resource,
            subresource: info.subresource ?? null,
            namespace: info.namespace || null,
            name: info.name ?? null,
          }
        : null,
    });
  }

  private answer(res: ServerResponse, err: AppError): void {
    if (res.headersSent) return void res.destroy();
    const body = kubeStatus(err.status, err.message);
    res.writeHead(err.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...err.headers,
    });
    res.end(body);
  }

  /**
   * `kubectl auth can-i` through Berth: a SelfSubjectAccessReview answered from the caller's Berth grants
   * (the cluster would answer for Berth's own credential, which may do everything).
   */
  private async review(
    req: IncomingMessage,
    res: ServerResponse,
    user: AuthUser,
    clusterId: string,
  ): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_REVIEW_BODY) throw new AppError(ErrorCode.PAYLOAD_TOO_LARGE, 'The review is too large');
      chunks.push(c);
    }
    let spec: ReviewSpec;
    try {
      spec = reviewSpec(Buffer.concat(chunks), String(req.headers['content-type'] ?? ''));
    } catch {
      throw new AppError(ErrorCode.BAD_REQUEST, 'The review is neither JSON nor a Kubernetes protobuf');
    }
    const ra = spec.resourceAttributes;
    const nra = spec.nonResourceAttributes;
    let info: RequestInfo;
    if (ra)
      info = {
        isResourceRequest: true,
        path: '',
        verb: ra.verb ?? '',
        apiGroup: ra.group ?? '',
        resource: ra.resource ?? '',
        subresource: ra.subresource || undefined,
        namespace: ra.namespace ?? '',
        name: ra.name || undefined,
      };
    else info = { isResourceRequest: false, path: nra?.path ?? '', verb: nra?.verb ?? '' };
    const a = proxyAccess(info);
    let allowed = false;
    let reason = '';
    if ('refused' in a) reason = a.refused;
    else {
      const d = await this.access.decide(user, a.verb, { cluster: clusterId, namespace: a.namespace });
      allowed = d === 'allow';
      reason = allowed ? `Berth grants ${a.verb}` : `Berth grants do not give ${a.verb} here`;
    }
    const body = JSON.stringify({
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec,
      status: { allowed, reason },
    });
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }

  // ---- upgrades (WebSocket, SPDY/3.1) ----------------------------------------------------------------

  /** An upgrade request under /k8s/clusters/:id (kubectl exec / attach / port-forward, pod proxies). */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, requestId: string): Promise<void> {
    let session: Parameters<SessionRelay['relay']>[0]['session'];
    const refuse = (err: AppError) =>
      writeSocketResponse(
        socket,
        err.status,
        '',
        [
          ['content-type', 'application/json'],
          ['x-request-id', requestId],
        ],
        kubeStatus(err.status, err.message),
      );
    try {
      const t = parseTarget(req.url ?? '');
      if (hasImpersonation(req))
        throw new AppError(ErrorCode.FORBIDDEN, 'Impersonate-* headers are refused: Berth decides who acts');
      const user = await this.authn.authenticate({ headers: authHeaders(req), ip: req.socket.remoteAddress });
      const query = new URLSearchParams(t.search);
      const info = requestInfo(req.method ?? 'GET', t.path, query);
      const a = proxyAccess(info);
      if (!('refused' in a) && a.session)
        session = sessionEvent(
          user,
          a.session,
          t.clusterId,
          `/k8s/clusters/:id${t.path}`,
          info.namespace ?? '',
          info.name ?? '',
          query,
          req,
          requestId,
        );
      try {
        await this.authorize(user, t.clusterId, info);
      } catch (e) {
        await this.relay.refused(session, asAppError(e));
        throw e;
      }
      const client = await this.clients.client(t.clusterId);
      this.relay.relay({
        req,
        socket,
        head,
        client,
        path: t.rawPath,
        search: t.search,
        headers: upstreamHeaders(req, true),
        session,
        refuse,
      });
    } catch (e) {
      refuse(asAppError(e));
    }
  }
}

/** The audit event of a pod session (exec / attach / port-forward), whichever route opened it. */
export function sessionEvent(
  user: AuthUser,
  kind: 'exec' | 'attach' | 'portforward',
  clusterId: string,
  path: string,
  namespace: string,
  pod: string,
  query: URLSearchParams,
  req: IncomingMessage,
  requestId: string,
): NonNullable<Parameters<SessionRelay['relay']>[0]['session']> {
  return {
    actor: user,
    action: `pod.${kind}`,
    method: req.method ?? 'GET',
    path,
    targetType: 'clusters',
    targetId: clusterId,
    requestId,
    ip: req.socket.remoteAddress ?? null,
    details: {
      namespace,
      pod,
      container: query.get('container'),
      command: kind === 'exec' ? query.getAll('command') : null,
      ports: kind === 'portforward' ? query.getAll('ports') : null,
      tty: truthy(query.get('tty')),
      stdin: truthy(query.get('stdin')),
      protocol: `${String(req.headers.upgrade ?? '')} ${String(
        req.headers['sec-websocket-protocol'] ?? req.headers['x-stream-protocol-version'] ?? '',
      )
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p && !p.startsWith('base64url.bearer.'))
        .join(', ')}`.trim(),
    },
  };
}
