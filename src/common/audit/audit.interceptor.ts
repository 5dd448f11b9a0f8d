import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type Observable, tap } from 'rxjs';

/**
 * Picks up what only the handler knows for the audit row: the login name tried, the id of a record it
 * created. The action and target type are declared on the route (`@Audit`), not derived here.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const body = req.body as { username?: unknown } | undefined;
    req.audit = {
      ...req.audit,
      actorName: typeof body?.username === 'string' ? body.username.slice(0, 63) : undefined,
    };
    return next.handle().pipe(
      tap((result) => {
        // The record the route names (`:id`) is the target, also when the answer is an operation (202);
        // routes without one target the record they created.
        if ((req.params as { id?: unknown } | undefined)?.id !== undefined) return;
        const id = (result as { id?: unknown } | null)?.id;
        if (typeof id === 'string' && req.audit && !req.audit.targetId) req.audit.targetId = id;
      }),
    );
  }
}
