import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import {
  classifyDependencyError,
  DEPENDENCY_MESSAGES,
  type DependencyEndpoints,
  dependencyEndpoints,
} from '../dependency-errors.js';
import { ErrorCode, statusOf } from '../error-codes.js';
import type { AuthUser } from '../../auth/role.js';
import { page, type Page } from '../envelope.js';
import type { AuditLogDto, AuditQueryDto } from './audit.dto.js';
import type { EntityManager } from 'typeorm';
import { AuditLogEntity } from './audit-log.entity.js';
import { auditDeclarationOf, declaredAction } from './audit.decorator.js';
import { AuditRepository } from './audit.repository.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function toDto(r: AuditLogEntity): AuditLogDto {
  return {
    id: String(r.id),
    occurred_at: r.occurredAt.toISOString(),
    actor_id: r.actorId,
    token_id: r.tokenId ?? null,
    actor_name: r.actorName,
    action: r.action,
    method: r.method,
    path: r.path,
    target_type: r.targetType,
    target_id: r.targetId,
    outcome: r.outcome,
    status_code: r.statusCode,
    error_code: r.errorCode,
    request_id: r.requestId,
    ip: r.ip,
    details: (r.details as Record<string, unknown> | null | undefined) ?? null,
  };
}

/** An audit row written by code (a session over an upgraded connection, a proxied request), not by the onSend hook. */
export interface AuditEvent {
  actor: AuthUser | null;
  action: string;
  method: string;
  path: string;
  targetType: string;
  targetId: string | null;
  statusCode: number;
  errorCode?: number | null;
  requestId: string;
  ip?: string | null;
  details?: Record<string, unknown> | null;
}

/** Copied request fields lose NUL bytes (Postgres text cannot hold them) and are capped. */
export function auditText(value: string, max: number): string;
export function auditText(value: string | null | undefined, max: number): string | null;
export function auditText(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  // eslint-disable-next-line no-control-regex
  const clean = String(value).replace(/\u0000/g, '');
  return clean.length > max ? clean.slice(0, max) : clean;
}

/**
 * Records every mutating API request — including ones refused by auth or validation — in `audit_logs`,
 * before the response leaves (a Fastify onSend hook), so an answered request always has its row.
 * Request bodies are never recorded.
 *
 * Decision (README "Decisions"): a mutating request whose audit row cannot be written does not succeed
 * silently. Its success answer is replaced by 503 DEPENDENCY_UNAVAILABLE (500 if the cause is not a
 * dependency). The row is written after the handler ran, so its effect may already have happened (a
 * logout did revoke the token): the 503 says so, and the client retries or checks. A request that already
 * failed keeps its answer; when it failed because a dependency is unavailable, its row is written in the
 * background so the client's 503 is not delayed by a second wait on the same outage.
 */
@Injectable()
export class AuditService implements OnModuleInit {
  private readonly logger = new Logger(AuditService.name);
  private readonly endpoints: DependencyEndpoints;

  constructor(
    private readonly repo: AuditRepository,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.endpoints = dependencyEndpoints(config);
  }

  onModuleInit(): void {
    // No HTTP adapter when running as a command-line context: nothing to audit then.
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // A callback hook: reads with nothing to audit pass without a promise per request. Audited: mutating
    // requests, reads whose route declares an action (the OIDC callback), reads that reveal Secret values.
    fastify?.addHook('onSend', (req, reply, payload, done) => {
      if (
        !(MUTATING.has(req.method) || auditDeclarationOf(req) || req.audit?.sensitive) ||
        !req.url.startsWith('/api/')
      ) {
        done(null, payload);
        return;
      }
      const status = reply.statusCode;
      if (status >= 400 && req.audit?.errorCode === ErrorCode.DEPENDENCY_UNAVAILABLE) {
        void this.record(req, status);
        done(null, payload);
        return;
      }
      this.record(req, status)
        .then((failure) =>
          failure === null || status >= 400 ? payload : this.refuse(req, reply, payload, failure),
        )
        .then(
          (out) => done(null, out),
          (e: Error) => done(e),
        );
    });
  }

  /** Writes the row; returns the error when it could not be written (logged here), null when written. */
  private async record(req: FastifyRequest, status: number): Promise<unknown> {
    const user = (req as FastifyRequest & { user?: AuthUser }).user;
    const ctx = req.audit ?? {};
    const route = req.routeOptions?.url ?? req.url.split('?')[0];
    const params = (req.params ?? {}) as Record<string, string>;
    const declared = auditDeclarationOf(req);
    try {
      await this.repo.insert({
        actorId: user?.id ?? null,
        tokenId: user?.tokenId ?? null,
        actorName: auditText(user?.username ?? ctx.actorName ?? 'anonymous', 64),
        // Routes declare their action (@Audit); only requests no route took (404, refused at the edge) fall back.
        action: auditText(
          declared ? declaredAction(declared, req) : (ctx.action ?? `${req.method} ${route}`),
          160,
        ),
        method: auditText(req.method, 16),
        path: auditText(route, 512),
        targetType: auditText(
          declared?.targetType ?? ctx.targetType ?? route.replace(/^\/api\/v1\//, '').split('/')[0] ?? null,
          64,
        ),
        targetId: auditText(ctx.targetId ?? params.id ?? null, 256),
        outcome: status < 400 ? 'success' : 'failure',
        statusCode: status,
        errorCode: ctx.errorCode ?? null,
        requestId: auditText(req.id, 128),
        ip: auditText(req.ip ?? null, 64),
      });
      return null;
    } catch (e) {
      this.logger.error(
        { err: (e as Error).message, status, request_id: req.id },
        'could not write the audit row',
      );
      return e;
    }
  }

  /** Replaces a success answer whose audit row is missing by an error envelope. */
  private refuse(req: FastifyRequest, reply: FastifyReply, payload: unknown, cause: unknown): string {
    if (payload && typeof (payload as Readable).destroy === 'function') (payload as Readable).destroy();
    const dependency = classifyDependencyError(cause, this.endpoints);
    const code = dependency ? ErrorCode.DEPENDENCY_UNAVAILABLE : ErrorCode.INTERNAL;
    const handled = reply.statusCode;
    const what = dependency ? DEPENDENCY_MESSAGES[dependency] : 'Internal error';
    req.audit = { ...req.audit, errorCode: code };
    reply.code(statusOf(code));
    reply.removeHeader('content-length');
    reply.header('content-type', 'application/json; charset=utf-8');
    return JSON.stringify({
      code,
      message: `${what}: the audit record of this request could not be written, so it is not reported as done; its effect may have been applied — check before retrying`,
      data: { audit: 'not_written', handler_status: handled, ...(dependency ? { dependency } : {}) },
      request_id: req.id,
    });
  }

  /**
   * An audit row for something that is not a mutating request's answer (an API token used from a new
   * address): recorded by the code that saw it, in its transaction when one is given. `status_code` is 0.
   */
  async event(
    e: {
      action: string;
      actor: { id: string; username: string; tokenId?: string | null } | null;
      targetType: string;
      targetId: string | null;
      req?: FastifyRequest;
      ip?: string | null;
    },
    manager?: EntityManager,
  ): Promise<void> {
    const req = e.req;
    const row = {
      actorId: e.actor?.id ?? null,
      tokenId: e.actor?.tokenId ?? null,
      actorName: auditText(e.actor?.username ?? 'anonymous', 64),
      action: auditText(e.action, 160),
      method: auditText(req?.method ?? 'EVENT', 16),
      // The request may be a raw upgrade or proxy request (no Fastify route, maybe no url).
      path: auditText(req ? (req.routeOptions?.url ?? String(req.url ?? '').split('?')[0]) : '', 512),
      targetType: auditText(e.targetType, 64),
      targetId: auditText(e.targetId, 256),
      outcome: 'success' as const,
      statusCode: 0,
      errorCode: null,
      requestId: auditText(String(req?.id ?? ''), 128),
      ip: auditText(e.ip ?? req?.ip ?? null, 64),
    };
    await (manager ? manager.getRepository(AuditLogEntity).insert(row) : this.repo.insert(row));
  }

  /**
   * The programmatic entry point: writes one row and answers its id (throws when it cannot be written, so
   * the caller refuses what it was about to do — nothing audited happens without its row).
   */
  async recordEvent(e: AuditEvent): Promise<string> {
    return this.repo.insertReturningId({
      actorId: e.actor?.id ?? null,
      tokenId: e.actor?.tokenId ?? null,
      actorName: auditText(e.actor?.username ?? 'anonymous', 64),
      action: auditText(e.action, 160),
      method: auditText(e.method, 16),
      path: auditText(e.path, 512),
      targetType: auditText(e.targetType, 64),
      targetId: auditText(e.targetId, 256),
      outcome: e.statusCode < 400 ? 'success' : 'failure',
      statusCode: e.statusCode,
      errorCode: e.errorCode ?? null,
      requestId: auditText(e.requestId, 128),
      ip: auditText(e.ip ?? null, 64),
      details: e.details ?? null,
    });
  }

  /** Completes a row written by recordEvent (a session's end, bytes); logged, never thrown, when it fails. */
  async completeEvent(id: string, details: Record<string, unknown>, statusCode?: number): Promise<boolean> {
    try {
      await this.repo.mergeDetails(id, details, statusCode);
      return true;
    } catch (e) {
      this.logger.error({ err: (e as Error).message, audit_id: id }, 'could not complete the audit row');
      return false;
    }
  }

  async list(q: AuditQueryDto): Promise<Page<AuditLogDto>> {
    const [rows, total] = await this.repo.list({
      actor: q.actor,
      action: q.action,
      targetType: q.target_type,
      targetId: q.target_id,
      outcome: q.outcome,
      since: q.since,
      until: q.until,
      offset: q.offset,
      limit: q.page_size,
    });
    return page(rows.map(toDto), total, q.page, q.page_size);
  }
}
