import {
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  type Type,
  UseInterceptors,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExtension, ApiHeader, ApiQuery } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, type Observable } from 'rxjs';
import { ACCESS_SPEC, type AccessSpec } from '../../access/access.decorator.js';
import type { AccessTarget } from '../../access/access.service.js';
import type { AuthUser } from '../../auth/role.js';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { kubeParamValue } from '../../common/params.js';
import { createValidationPipe } from '../../common/validation.js';
import { checkResourceVersion, type StreamCaller, WatchService } from './watch.service.js';

/** How a list route's request maps onto a watch. */
export interface WatchableSpec {
  /** One cluster (`:id`) or the fleet. */
  scope: 'cluster' | 'fleet';
  /** The route's query DTO: a watch request is validated exactly like the list (page and page_size are ignored). */
  query: Type<object>;
  /** The resource type: fixed, or a path parameter (`map` turns it into a resource name, validating it). */
  resource: string | { param: string; map?: (v: string) => string };
  /** A path parameter holding the namespace (else the `namespace` query parameter, when the DTO has one). */
  namespaceParam?: string;
  /** Events route: involved_kind / involved_name / involved_uid / type become a field selector. */
  events?: boolean;
}

export const WATCHABLE = 'berth:watchable';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const truthy = (v: unknown) => v === 'true' || v === '1' || v === true;
const falsy = (v: unknown) => v === 'false' || v === '0' || v === false;

/**
 * Whether a request asks for a stream: `watch=true`, or — without a `watch` parameter — an Accept header
 * whose first type is `text/event-stream` (what EventSource sends). `watch=false` is always the list.
 */
export function wantsStream(query: Record<string, unknown>, accept: unknown): boolean {
  if (query.watch !== undefined) return truthy(query.watch);
  return (
    typeof accept === 'string' &&
    accept.split(',')[0].split(';')[0].trim().toLowerCase() === 'text/event-stream'
  );
}

/**
 * A list route that also answers a watch stream (Server-Sent Events). The guard has already authorized the
 * request with the route's own @Access (a watch is a read); the interceptor then answers the stream instead
 * of calling the handler. Documented as `x-berth-watch` (see addWatchResponses).
 */
export function Watchable(spec: WatchableSpec) {
  return applyDecorators(
    SetMetadata(WATCHABLE, spec),
    UseInterceptors(WatchInterceptor),
    ApiQuery({
      name: 'watch',
      required: false,
      type: Boolean,
      description:
        'true: answer a text/event-stream of changes instead of a page (also when Accept starts with text/event-stream and watch is not given)',
    }),
    ...(spec.scope === 'cluster'
      ? [
          ApiQuery({
            name: 'resource_version',
            required: false,
            type: String,
            description:
              'With watch=true: resume after this resourceVersion (an earlier event id) instead of listing first',
          }),
        ]
      : []),
    ApiHeader({
      name: 'Last-Event-ID',
      required: false,
      description:
        'With a watch: the id of the last event received; the stream resumes after it (EventSource sends it on reconnect)',
    }),
    ApiExtension('x-berth-watch', spec.scope),
  );
}

type WatchRequest = FastifyRequest & {
  user: AuthUser;
  params: Record<string, string>;
  query: Record<string, unknown>;
};

@Injectable()
export class WatchInterceptor implements NestInterceptor {
  private readonly pipe = createValidationPipe();

  constructor(
    private readonly reflector: Reflector,
    private readonly watch: WatchService,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<WatchRequest>();
    const query = (req.query ?? {}) as Record<string, unknown>;
    if (!wantsStream(query, req.headers.accept)) {
      // The list route's DTO knows nothing of watch: `watch=false` is the list, anything else not a boolean is a 400.
      if (query.watch !== undefined) {
        if (!falsy(query.watch))
          throw AppError.validation([{ field: 'watch', errors: ['watch must be a boolean value'] }]);
        delete query.watch;
      }
      return next.handle();
    }
    const spec = this.reflector.get<WatchableSpec>(WATCHABLE, ctx.getHandler());
    const access = this.reflector.get<AccessSpec>(ACCESS_SPEC, ctx.getHandler());
    return from(this.open(req, ctx.switchToHttp().getResponse<FastifyReply>(), spec, access));
  }

  private async open(req: WatchRequest, reply: FastifyReply, spec: WatchableSpec, access: AccessSpec) {
    const { watch: _watch, resource_version: rvParam, ...rest } = req.query;
    const q = (await this.pipe.transform(rest, { type: 'query', metatype: spec.query })) as Record<
      string,
      unknown
    >;
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    const caller: StreamCaller = {
      user: req.user,
      bearer,
      req: { ip: req.ip, headers: req.headers as Record<string, unknown> },
      reply,
    };
    const resource =
      typeof spec.resource === 'string'
        ? spec.resource
        : (spec.resource.map ?? ((v: string) => v))(
            kubeParamValue(spec.resource.param, 'resource', req.params[spec.resource.param]),
          );
    const lastEventId =
      typeof req.headers['last-event-id'] === 'string' ? req.headers['last-event-id'].trim() : '';
    const labelSelector = q.label_selector as string | undefined;
    let fieldSelector = q.field_selector as string | undefined;
    if (spec.events) {
      fieldSelector =
        [
          q.involved_kind && `involvedObject.kind=${String(q.involved_kind)}`,
          q.involved_name && `involvedObject.name=${String(q.involved_name)}`,
          q.involved_uid && `involvedObject.uid=${String(q.involved_uid)}`,
          q.type && `type=${String(q.type)}`,
        ]
          .filter(Boolean)
          .join(',') || undefined;
    }
    const showSecretValues = q.show_secret_values === true;
    if (spec.scope === 'fleet') {
      if (rvParam !== undefined)
        throw AppError.validation([
          { field: 'resource_version', errors: ['fleet streams resume with the Last-Event-ID header'] },
        ]);
      return this.watch.fleet(caller, {
        clusters: typeof q.clusters === 'string' ? q.clusters.split(',') : undefined,
        resource,
        namespace: q.namespace as string | undefined,
        labelSelector,
        fieldSelector,
        showSecretValues,
        lastEventId: lastEventId || undefined,
      });
    }
    const clusterId = req.params[access.cluster ?? 'id'];
    if (typeof clusterId !== 'string' || !UUID.test(clusterId))
      throw new AppError(ErrorCode.INVALID_ID, `Path parameter ${access.cluster ?? 'id'} must be a UUID`, {
        field: access.cluster ?? 'id',
      });
    const namespace = spec.namespaceParam
      ? kubeParamValue(spec.namespaceParam, 'label', req.params[spec.namespaceParam])
      : (q.namespace as string | undefined);
    const target: AccessTarget = { cluster: clusterId.toLowerCase() };
    if (access.namespace === 'cluster-wide') target.namespace = null;
    else if (access.namespace && typeof access.namespace === 'object') target.namespace = namespace ?? null;
    const from = lastEventId
      ? checkResourceVersion(lastEventId, 'last-event-id')
      : typeof rvParam === 'string' && rvParam !== ''
        ? checkResourceVersion(rvParam, 'resource_version')
        : undefined;
    return this.watch.resource(caller, {
      clusterId: clusterId.toLowerCase(),
      resource,
      namespace,
      labelSelector,
      fieldSelector,
      showSecretValues,
      verb: access.verb,
      target,
      filterNamespaces: access.namespace === 'filtered',
      from,
    });
  }
}
