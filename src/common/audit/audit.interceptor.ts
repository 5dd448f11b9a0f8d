import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { type Observable, tap } from 'rxjs';
import { AUDIT_ACTION } from './audit.decorator.js';

/** Names the audit action of the handler that runs and picks up the id of a record it created. */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const controller = context.getClass().name.replace(/Controller$/, '');
    const targetType = controller.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
    const action =
      this.reflector.get<string>(AUDIT_ACTION, context.getHandler()) ?? `${targetType}.${context.getHandler().name}`;
    const body = req.body as { username?: unknown } | undefined;
    req.audit = {
      ...req.audit,
      action,
      targetType,
      actorName: typeof body?.username === 'string' ? body.username.slice(0, 63) : undefined,
    };
    return next.handle().pipe(
      tap((result) => {
        const id = (result as { id?: unknown } | null)?.id;
        if (typeof id === 'string' && req.audit && !req.audit.targetId) req.audit.targetId = id;
      }),
    );
  }
}
