import { applyDecorators } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

/**
 * What a mutating route records in the audit log, declared on the route itself (README "Audit actions"
 * lists them all). Carried as the Fastify route's config, so it names every answer of the route — also
 * one refused by the auth guard before any Nest interceptor ran. A mutating route without one fails boot
 * (AuditDeclarationsCheck).
 */
export interface AuditDeclaration {
  /** `<noun>.<verb>`, naming what happened: "cluster.import", "node.cordon". */
  action: string | ((req: FastifyRequest) => string);
  /** Every action the route may record (one, or those `action` chooses among at run time). */
  actions: string[];
  /** The collection `target_id` lives in: "clusters", "users", ... */
  targetType: string;
}

export const ACTION_FORMAT = /^[a-z][a-z-]*\.[a-z][a-z-]*$/;

/**
 * Declares a mutating route's audit action and target type. `action` is fixed, or chosen from the
 * request at run time: `{ pick: (req) => ..., among: [...] }` (e.g. `DELETE /clusters/:id` records
 * cluster.detach or cluster.destroy depending on `destroy`).
 */
export function Audit(
  action: string | { pick: (req: FastifyRequest) => string; among: string[] },
  targetType: string,
) {
  const audit: AuditDeclaration =
    typeof action === 'string'
      ? { action, actions: [action], targetType }
      : { action: action.pick, actions: action.among, targetType };
  return applyDecorators(RouteConfig({ audit }));
}

/** The declaration of a route, from its Fastify route config (undefined for routes without one, e.g. 404s). */
export function auditDeclarationOf(req: FastifyRequest): AuditDeclaration | undefined {
  return (req.routeOptions?.config as { audit?: AuditDeclaration } | undefined)?.audit;
}

/** The action a request records: its route's declaration, evaluated on the request. */
export function declaredAction(decl: AuditDeclaration, req: FastifyRequest): string {
  return typeof decl.action === 'string' ? decl.action : decl.action(req);
}

/** What a request carries for its audit row; filled in by the interceptor and the exception filter. */
export interface AuditContext {
  action?: string;
  targetType?: string;
  targetId?: string;
  actorName?: string;
  errorCode?: number;
  /** A read that reveals something sensitive (Secret values): recorded like a mutating request. */
  sensitive?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    audit?: AuditContext;
  }
}
