import { Injectable, type OnModuleInit, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import { ACTION_FORMAT, type AuditDeclaration } from './audit.decorator.js';

const READ_ONLY = new Set([RequestMethod.GET, RequestMethod.HEAD, RequestMethod.OPTIONS]);

/** One route handler as the audit table sees it. */
export interface AuditedRoute {
  /** "ClustersController.detach" */
  handler: string;
  /** "DELETE clusters/:id" (controller path + method path, without the global prefix) */
  route: string;
  audit: AuditDeclaration | undefined;
}

const joinPath = (...parts: (string | string[] | undefined)[]) =>
  parts
    .map((p) => [p ?? ''].flat()[0] ?? '')
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');

/** Every mutating route handler of the given controllers, with its audit declaration (if any). */
export function mutatingRoutes(
  controllers: { metatype: unknown; instance: object }[],
  scanner = new MetadataScanner(),
): AuditedRoute[] {
  return routesOf(controllers, scanner, false);
}

/** Read-only routes that declare an audit action all the same (a login answered on GET: the OIDC callback). */
export function auditedReadRoutes(
  controllers: { metatype: unknown; instance: object }[],
  scanner = new MetadataScanner(),
): AuditedRoute[] {
  return routesOf(controllers, scanner, true);
}

function routesOf(
  controllers: { metatype: unknown; instance: object }[],
  scanner: MetadataScanner,
  reads: boolean,
): AuditedRoute[] {
  const out: AuditedRoute[] = [];
  for (const { metatype, instance } of controllers) {
    const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
    const base = Reflect.getMetadata(PATH_METADATA, metatype as object) as string | undefined;
    for (const name of scanner.getAllMethodNames(proto)) {
      const fn = proto[name] as object;
      const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
      if (method === undefined || READ_ONLY.has(method) !== reads) continue;
      const config = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, fn) as
        { audit?: AuditDeclaration } | undefined;
      if (reads && !config?.audit) continue;
      out.push({
        handler: `${(metatype as { name: string }).name}.${name}`,
        route: `${RequestMethod[method]} ${joinPath(base, Reflect.getMetadata(PATH_METADATA, fn) as string | undefined)}`,
        audit: config?.audit,
      });
    }
  }
  return out;
}

/** Why these routes' declarations are not acceptable (missing, or an action not named `<noun>.<verb>`). */
export function auditDeclarationProblems(routes: AuditedRoute[]): string[] {
  const problems: string[] = [];
  for (const r of routes) {
    if (!r.audit) problems.push(`${r.route} (${r.handler}) declares no audit action: add @Audit(...)`);
    else if (
      !r.audit.actions.length ||
      r.audit.actions.some((a) => !ACTION_FORMAT.test(a)) ||
      !r.audit.targetType
    ) {
      problems.push(
        `${r.route} (${r.handler}) declares an audit action not of the form <noun>.<verb>, or no target type`,
      );
    }
  }
  return problems;
}

/** Boot fails when a mutating route forgets to declare its audit action. */
@Injectable()
export class AuditDeclarationsCheck implements OnModuleInit {
  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const controllers = this.discovery.getControllers().filter((w) => w.instance && w.metatype) as {
      metatype: unknown;
      instance: object;
    }[];
    const problems = auditDeclarationProblems(mutatingRoutes(controllers));
    if (problems.length)
      throw new Error(`Audit declarations missing or malformed:\n- ${problems.join('\n- ')}`);
  }
}
