import { Inject, Injectable, Logger } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../common/app-error.js';
import { type AuditEvent, AuditService } from '../common/audit/audit.service.js';
import { ErrorCode } from '../common/error-codes.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { KubeClient } from '../kube/client/kube-client.js';
import { downstreamHeaders, writeSocketResponse } from './relay.js';
import { CLOSE_IDLE_TIMEOUT, CLOSE_MAX_SESSION, followersFor } from './session-frames.js';
import { SessionPipe } from './session-pipe.js';

/** How long Berth waits for the API server to answer an upgrade (101 or an error). */
const HEAD_TIMEOUT_MS = 60_000;
/** The most of an error answer to an upgrade relayed to the caller. */
const MAX_ERROR_BODY = 64 * 1024;

export interface RelayRequest {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  client: KubeClient;
  /** Path and query string on the API server. */
  path: string;
  search: string;
  headers: Record<string, string | string[]>;
  /** A pod session (exec, attach, port-forward): audited from start to end, bound by the session limits. */
  session?: Omit<AuditEvent, 'statusCode' | 'errorCode'>;
  /** Answers an error before the upgrade, in the route's own dialect (envelope or Kubernetes Status). */
  refuse(err: AppError): void;
}

/**
 * Relays one upgraded connection (WebSocket `v5.channel.k8s.io` / `v4.channel.k8s.io` /
 * `v2.portforward.k8s.io` / `portforward.k8s.io`, or SPDY/3.1) between a caller and a cluster's API server
 * byte for byte: the caller's handshake goes to the API server with Berth's stored credential, the API
 * server's 101 (its chosen subprotocol included) comes back, then both sockets are relayed (SessionPipe).
 * Payloads are never parsed, so every channel (stdin, stdout, stderr, status, resize; port-forward data and
 * error streams) passes as the API server speaks it; only frame headers are followed (session-frames.ts),
 * for the session limits: no data frame either way for `exec_idle_timeout_seconds`, or
 * `exec_max_session_seconds` in all, ends the session with a WebSocket close frame (4408 / 4409) at a frame
 * boundary. A session's audit row is written before the 101 reaches the caller (no row, no session) and
 * completed with its end (reason, close code) and byte counts.
 */
@Injectable()
export class SessionRelay {
  private readonly logger = new Logger(SessionRelay.name);
  private readonly idleMs: number;
  private readonly maxMs: number;

  constructor(
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.idleMs = config.live.exec_idle_timeout_seconds * 1000;
    this.maxMs = config.live.exec_max_session_seconds * 1000;
  }

  /** Writes a session's audit row for an attempt that never started (refused by Berth or the cluster). */
  async refused(session: RelayRequest['session'], err: AppError, status = err.status): Promise<void> {
    if (!session) return;
    await this.audit
      .recordEvent({ ...session, statusCode: status, errorCode: err.code })
      .catch((e: Error) =>
        this.logger.error({ err: e.message }, 'could not write the audit row of a refused session'),
      );
  }

  relay(r: RelayRequest): void {
    const startedAt = performance.now();
    let up: ReturnType<KubeClient['passthrough']>;
    try {
      up = r.client.passthrough(r.req.method ?? 'GET', r.path, r.search, r.headers, true);
    } catch (e) {
      void this.fail(r, e instanceof AppError ? e : r.client.unreachable(e as Error));
      return;
    }
    let answered = false;
    const timer = setTimeout(() => {
      if (answered) return;
      answered = true;
      up.destroy();
      void this.fail(
        r,
        new AppError(
          ErrorCode.UPSTREAM_TIMEOUT,
          `Cluster ${r.client.cluster.name} did not answer the upgrade within ${HEAD_TIMEOUT_MS} ms`,
        ),
      );
    }, HEAD_TIMEOUT_MS);
    // The caller going away before the answer abandons the upstream request.
    const gone = () => {
      if (!answered) {
        answered = true;
        clearTimeout(timer);
        up.destroy();
      }
    };
    r.socket.once('close', gone);
    up.on('error', (e) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      r.client.metered(null, startedAt, e);
      void this.fail(r, r.client.unreachable(e));
    });
    up.on('response', (res) => {
      // The API server refused the upgrade (pod not found, container not running, 403…): relay its answer.
      if (answered) return void res.destroy();
      answered = true;
      clearTimeout(timer);
      r.client.metered(res.statusCode ?? 500, startedAt);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_ERROR_BODY) chunks.push(c);
        size += c.length;
      });
      res.on('error', () => r.socket.destroy());
      res.on('end', () => {
        const status = res.statusCode ?? 502;
        if (r.session)
          void this.audit
            .recordEvent({ ...r.session, statusCode: status, errorCode: null })
            .catch((e: Error) =>
              this.logger.error({ err: e.message }, 'could not write a session audit row'),
            );
        const headers = downstreamHeaders(res).filter(([k]) => k.toLowerCase() !== 'content-length');
        writeSocketResponse(
          r.socket,
          status,
          res.statusMessage ?? '',
          headers,
          Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY),
        );
      });
    });
    up.on('upgrade', (res, upSocket, upHead) => {
      r.socket.off('close', gone);
      if (answered) return void upSocket.destroy();
      answered = true;
      clearTimeout(timer);
      r.client.metered(res.statusCode ?? 101, startedAt);
      void this.bridge(r, res, upSocket, upHead);
    });
    up.end();
  }

  private async fail(r: RelayRequest, err: AppError): Promise<void> {
    await this.refused(r.session, err);
    r.refuse(err);
  }

  private async bridge(
    r: RelayRequest,
    res: IncomingMessage,
    upSocket: Duplex,
    upHead: Buffer,
  ): Promise<void> {
    let auditId: string | null = null;
    const started = new Date();
    if (r.session) {
      try {
        auditId = await this.audit.recordEvent({
          ...r.session,
          statusCode: 101,
          details: { ...r.session.details, started_at: started.toISOString() },
        });
      } catch (e) {
        this.logger.error(
          { err: (e as Error).message },
          'could not write the audit row of a session: refused',
        );
        upSocket.destroy();
        r.refuse(
          new AppError(
            ErrorCode.DEPENDENCY_UNAVAILABLE,
            'Postgres is unavailable: the audit record of this session could not be written, so the session was not opened',
          ),
        );
        return;
      }
    }
    const client = r.socket;
    if (client.destroyed) {
      upSocket.destroy();
      if (auditId) await this.finish(auditId, started, 0, 0, 'closed by client before the session opened');
      return;
    }
    let head = `HTTP/1.1 ${res.statusCode ?? 101} ${res.statusMessage ?? 'Switching Protocols'}\r\n`;
    for (let i = 0; i < res.rawHeaders.length; i += 2)
      head += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
    client.write(head + '\r\n');
    for (const s of [client, upSocket] as (Duplex & {
      setNoDelay?: (b: boolean) => void;
      setTimeout?: (n: number) => void;
    })[]) {
      s.setNoDelay?.(true);
      s.setTimeout?.(0);
    }
    const session = new SessionPipe(
      client,
      upSocket,
      followersFor(res.headers),
      r.head.length,
      upHead.length,
    );
    if (r.session && this.maxMs > 0)
      session.limitAfter(this.maxMs, CLOSE_MAX_SESSION, `max session length ${this.maxMs / 1000}s`);
    if (r.session && this.idleMs > 0)
      session.idleAfter(this.idleMs, CLOSE_IDLE_TIMEOUT, `idle timeout ${this.idleMs / 1000}s`);
    session.start(upHead, r.head);
    void session.ended.then((end) => {
      if (auditId)
        void this.finish(auditId, started, end.bytesFromClient, end.bytesToClient, end.reason, end.closeCode);
    });
  }

  private async finish(
    id: string,
    started: Date,
    fromClient: number,
    toClient: number,
    reason: string,
    closeCode: number | null = null,
  ): Promise<void> {
    const ended = new Date();
    await this.audit.completeEvent(id, {
      ended_at: ended.toISOString(),
      duration_ms: ended.getTime() - started.getTime(),
      bytes_from_client: fromClient,
      bytes_to_client: toClient,
      end_reason: reason,
      close_code: closeCode,
    });
  }
}
