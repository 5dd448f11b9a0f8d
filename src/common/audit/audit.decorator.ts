import { SetMetadata } from '@nestjs/common';

export const AUDIT_ACTION = 'berth:audit-action';

/** Names the action recorded in the audit log for this route (default: "<controller>.<handler>"). */
export const AuditAction = (action: string) => SetMetadata(AUDIT_ACTION, action);

/** What a request carries for its audit row; filled in by the interceptor and the exception filter. */
export interface AuditContext {
  action?: string;
  targetType?: string;
  targetId?: string;
  actorName?: string;
  errorCode?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    audit?: AuditContext;
  }
}
