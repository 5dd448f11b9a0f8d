import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuthUser } from '../../auth/role.js';
import { page, type Page } from '../envelope.js';
import type { AuditLogDto, AuditQueryDto } from './audit.dto.js';
import type { AuditLogEntity } from './audit-log.entity.js';
import { AuditRepository } from './audit.repository.js';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function toDto(r: AuditLogEntity): AuditLogDto {
  return {
    id: String(r.id),
    occurred_at: r.occurredAt.toISOString(),
    actor_id: r.actorId,
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
  };
}

/**
 * Records every mutating API request — including ones refused by auth or validation — in `audit_logs`,
 * before the response leaves (a Fastify onSend hook), so an answered request always has its row.
 * Request bodies are never recorded.
 */
@Injectable()
export class AuditService implements OnModuleInit {
  private readonly logger = new Logger(AuditService.name);

  constructor(
    private readonly repo: AuditRepository,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    // No HTTP adapter when running as a command-line context: nothing to audit then.
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    fastify?.addHook('onSend', async (req, reply, payload) => {
      if (MUTATING.has(req.method) && req.url.startsWith('/api/')) await this.record(req, reply.statusCode);
      return payload;
    });
  }

  private async record(req: FastifyRequest, status: number): Promise<void> {
    const user = (req as FastifyRequest & { user?: AuthUser }).user;
    const ctx = req.audit ?? {};
    const route = req.routeOptions?.url ?? req.url.split('?')[0];
    const params = (req.params ?? {}) as Record<string, string>;
    try {
      await this.repo.insert({
        actorId: user?.id ?? null,
        actorName: user?.username ?? ctx.actorName ?? 'anonymous',
        action: ctx.action ?? `${req.method} ${route}`,
        method: req.method,
        path: route,
        targetType: ctx.targetType ?? route.replace(/^\/api\/v1\//, '').split('/')[0] ?? null,
        targetId: ctx.targetId ?? params.id ?? null,
        outcome: status < 400 ? 'success' : 'failure',
        statusCode: status,
        errorCode: ctx.errorCode ?? null,
        requestId: req.id,
        ip: req.ip ?? null,
      });
    } catch (e) {
      this.logger.error({ err: (e as Error).message, request_id: req.id }, 'could not write the audit row');
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
