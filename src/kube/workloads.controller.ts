import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
  StreamableFile,
} from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiParam, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../auth/authenticated.decorator.js';
import { Access } from '../access/access.decorator.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';
import { AppError } from '../common/app-error.js';
import { ClientSignal, clientSignal } from '../common/client-signal.js';
import { ApiKubeParam, ApiUuidParam, KubeParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope } from '../common/swagger.js';
import { CreateNamespaceDto, LogLinesDto, LogsQueryDto, ScaleDto, UpdateNodeDto } from './dto/actions.dto.js';
import { kubeRef } from './dto/kube-object.schemas.js';
import { ApiKubePage, ResourceGetQueryDto, SelectorQueryDto } from './dto/resource.dto.js';
import { LogsService } from './logs.service.js';
import { ResourcesService } from './resources.service.js';
import { type ScalableKind, WorkloadsService } from './workloads.service.js';
import { Audit } from '../common/audit/audit.decorator.js';
import { Watchable } from '../live/watch/watchable.js';

const KINDS = ['deployments', 'statefulsets'];
/** A deployment or a stateful set, whichever the route's kind names (items carry no kind). */
const WORKLOAD = { anyOf: [kubeRef('Deployment'), kubeRef('StatefulSet')] };
const V1 = (kind: string) => ({ api_version: ['v1'], kind: [kind] });
const kindParam = (kind: string): ScalableKind => {
  if (!KINDS.includes(kind))
    throw AppError.validation([{ field: 'kind', errors: [`kind must be one of ${KINDS.join(', ')}`] }]);
  return kind as ScalableKind;
};

/** Friendly routes for what people do every day: namespaces, nodes, workloads, pods and their logs. */
@ApiTags('live resources')
@Controller('clusters/:id')
@ApiUuidParam('id', 'Cluster id')
export class WorkloadsController {
  constructor(
    private readonly resources: ResourcesService,
    private readonly workloads: WorkloadsService,
    private readonly logs: LogsService,
  ) {}

  @Get('namespaces')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: 'filtered' })
  @ApiOperation({ summary: 'List namespaces' })
  @ApiKubePage(kubeRef('KubeObject'), 'One page of namespaces', V1('Namespace'))
  @ApiErrors(400, 403, 404, 422, 503, 504)
  @Watchable({ scope: 'cluster', query: SelectorQueryDto, resource: 'namespaces' })
  namespaces(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @Query() q: SelectorQueryDto,
    @ClientSignal() signal: AbortSignal,
  ) {
    return this.workloads.namespaces(user, id, q, signal);
  }

  @Post('namespaces')
  @Audit('namespace.create', 'clusters')
  @Access(Verb.OBJECTS_WRITE, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiOperation({ summary: 'Create a namespace' })
  @ApiOkEnvelope(kubeRef('KubeObject'), { status: 201, description: 'The namespace created' })
  @ApiErrors(400, 403, 404, 409, 422, 503, 504)
  createNamespace(@UuidParam() id: string, @Body() dto: CreateNamespaceDto) {
    return this.workloads.createNamespace(id, dto.name, dto.labels);
  }

  @Get('namespaces/:ns')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiKubeParam('ns', 'label')
  @ApiOperation({ summary: 'Get a namespace' })
  @ApiOkEnvelope(kubeRef('KubeObject'))
  @ApiErrors(400, 403, 404, 422, 503, 504)
  namespace(@CurrentUser() user: AuthUser, @UuidParam() id: string, @KubeParam('ns', 'label') ns: string) {
    return this.resources.get(user, id, 'namespaces', ns, {});
  }

  @Get('nodes/:name')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiKubeParam('name', 'name')
  @ApiOperation({ summary: 'Get a node' })
  @ApiOkEnvelope(kubeRef('Node'))
  @ApiErrors(400, 403, 404, 422, 503, 504)
  node(@CurrentUser() user: AuthUser, @UuidParam() id: string, @KubeParam('name', 'name') name: string) {
    return this.resources.get(user, id, 'nodes', name, {});
  }

  @Post('nodes/:name/cordon')
  @Audit('node.cordon', 'clusters')
  @HttpCode(200)
  @Access(Verb.OBJECTS_WRITE, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiKubeParam('name', 'name')
  @ApiOperation({ summary: 'Cordon a node (no new pods are scheduled on it)' })
  @ApiOkEnvelope(kubeRef('Node'), { description: 'The node, cordoned' })
  @ApiErrors(400, 403, 404, 422, 503, 504)
  cordon(@UuidParam() id: string, @KubeParam('name', 'name') name: string) {
    return this.workloads.cordon(id, name, true);
  }

  @Post('nodes/:name/uncordon')
  @Audit('node.uncordon', 'clusters')
  @HttpCode(200)
  @Access(Verb.OBJECTS_WRITE, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiKubeParam('name', 'name')
  @ApiOperation({ summary: 'Uncordon a node' })
  @ApiOkEnvelope(kubeRef('Node'), { description: 'The node, schedulable again' })
  @ApiErrors(400, 403, 404, 422, 503, 504)
  uncordon(@UuidParam() id: string, @KubeParam('name', 'name') name: string) {
    return this.workloads.cordon(id, name, false);
  }

  @Patch('nodes/:name')
  @Audit('node.update', 'clusters')
  @Access(Verb.NODES_MANAGE, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiKubeParam('name', 'name')
  @ApiOperation({ summary: 'Set or remove node labels, and/or replace its taints' })
  @ApiOkEnvelope(kubeRef('Node'), { description: 'The node, updated' })
  @ApiErrors(400, 403, 404, 422, 503, 504)
  updateNode(@UuidParam() id: string, @KubeParam('name', 'name') name: string, @Body() dto: UpdateNodeDto) {
    return this.workloads.updateNode(id, name, dto);
  }

  @Get('namespaces/:ns/pods')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiKubeParam('ns', 'label')
  @ApiOperation({ summary: 'List pods of a namespace' })
  @ApiKubePage(kubeRef('Pod'), 'One page of pods', V1('Pod'))
  @ApiErrors(400, 403, 404, 422, 503, 504)
  @Watchable({ scope: 'cluster', query: SelectorQueryDto, resource: 'pods', namespaceParam: 'ns' })
  pods(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @KubeParam('ns', 'label') ns: string,
    @Query() q: SelectorQueryDto,
    @ClientSignal() signal: AbortSignal,
  ) {
    return this.resources.list(user, id, 'pods', { ...q, namespace: ns }, signal);
  }

  @Get('namespaces/:ns/pods/:name')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiKubeParam('ns', 'label')
  @ApiKubeParam('name', 'name')
  @ApiOperation({ summary: 'Get a pod' })
  @ApiOkEnvelope(kubeRef('Pod'))
  @ApiErrors(400, 403, 404, 422, 503, 504)
  pod(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @KubeParam('ns', 'label') ns: string,
    @KubeParam('name', 'name') name: string,
  ) {
    return this.resources.get(user, id, 'pods', name, { namespace: ns });
  }

  @Get('namespaces/:ns/pods/:name/logs')
  @Access(Verb.LOGS_READ, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiKubeParam('ns', 'label')
  @ApiKubeParam('name', 'name')
  @ApiOperation({
    summary: 'Pod logs',
    description:
      'Without follow: an envelope with the lines (capped by limit_bytes, default 5 MiB). With follow=true: a text/plain stream of new lines until the client disconnects.',
  })
  @ApiExtraModels(LogLinesDto)
  @ApiResponse({
    status: 200,
    description: 'The lines (JSON envelope), or with follow=true a text/plain stream of lines',
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['code', 'message', 'data'],
          properties: {
            code: { type: 'integer', example: 0 },
            message: { type: 'string', example: 'ok' },
            data: { $ref: getSchemaPath(LogLinesDto) },
          },
        },
      },
      'text/plain': { schema: { type: 'string', description: 'Log lines as the container writes them' } },
    },
  })
  @ApiErrors(400, 403, 404, 422, 503, 504)
  async podLogs(
    @UuidParam() id: string,
    @KubeParam('ns', 'label') ns: string,
    @KubeParam('name', 'name') name: string,
    @Query() q: LogsQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!q.follow) return this.logs.read(id, ns, name, q);
    // The signal also covers a client gone while the stream was being opened (a 'close' listener
    // attached afterwards would never fire, and a followed log never ends by itself).
    const stream = await this.logs.follow(id, ns, name, q, clientSignal(reply.raw));
    reply.header('cache-control', 'no-store');
    return new StreamableFile(stream, { type: 'text/plain; charset=utf-8' });
  }

  @Get('namespaces/:ns/:kind')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiKubeParam('ns', 'label')
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiOperation({ summary: 'List deployments or statefulsets of a namespace' })
  @ApiKubePage(WORKLOAD, 'One page of deployments or stateful sets', {
    api_version: ['apps/v1'],
    kind: ['Deployment', 'StatefulSet'],
  })
  @ApiErrors(400, 403, 404, 422, 503, 504)
  @Watchable({
    scope: 'cluster',
    query: SelectorQueryDto,
    resource: { param: 'kind', map: (k) => `${kindParam(k)}.apps` },
    namespaceParam: 'ns',
  })
  workloadList(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @KubeParam('ns', 'label') ns: string,
    @Param('kind') kind: string,
    @Query() q: SelectorQueryDto,
    @ClientSignal() signal: AbortSignal,
  ) {
    return this.resources.list(user, id, `${kindParam(kind)}.apps`, { ...q, namespace: ns }, signal);
  }

  @Get('namespaces/:ns/:kind/:name')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiKubeParam('ns', 'label')
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiKubeParam('name', 'name')
  @ApiOperation({ summary: 'Get a deployment or statefulset' })
  @ApiOkEnvelope(WORKLOAD)
  @ApiErrors(400, 403, 404, 422, 503, 504)
  workload(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @KubeParam('ns', 'label') ns: string,
    @Param('kind') kind: string,
    @KubeParam('name', 'name') name: string,
  ) {
    return this.resources.get(user, id, `${kindParam(kind)}.apps`, name, {
      namespace: ns,
    } satisfies ResourceGetQueryDto);
  }

  @Post('namespaces/:ns/:kind/:name/scale')
  @Audit('workload.scale', 'clusters')
  @HttpCode(200)
  @Access(Verb.OBJECTS_WRITE, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiKubeParam('ns', 'label')
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiKubeParam('name', 'name')
  @ApiOperation({ summary: 'Scale a deployment or statefulset; returns the Scale object' })
  @ApiOkEnvelope(kubeRef('Scale'), { description: 'The Scale object (autoscaling/v1)' })
  @ApiErrors(400, 403, 404, 409, 422, 503, 504)
  scale(
    @UuidParam() id: string,
    @KubeParam('ns', 'label') ns: string,
    @Param('kind') kind: string,
    @KubeParam('name', 'name') name: string,
    @Body() dto: ScaleDto,
  ) {
    return this.workloads.scale(id, kindParam(kind), ns, name, dto.replicas);
  }

  @Post('namespaces/:ns/:kind/:name/restart')
  @Audit('workload.restart', 'clusters')
  @HttpCode(200)
  @Access(Verb.OBJECTS_WRITE, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiKubeParam('ns', 'label')
  @ApiParam({ name: 'kind', enum: KINDS })
  @ApiKubeParam('name', 'name')
  @ApiOperation({ summary: 'Rolling restart (as kubectl rollout restart)' })
  @ApiOkEnvelope(WORKLOAD, { description: 'The workload, with its restart annotation' })
  @ApiErrors(400, 403, 404, 422, 503, 504)
  restart(
    @UuidParam() id: string,
    @KubeParam('ns', 'label') ns: string,
    @Param('kind') kind: string,
    @KubeParam('name', 'name') name: string,
  ) {
    return this.workloads.restart(id, kindParam(kind), ns, name);
  }
}
