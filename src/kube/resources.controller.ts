import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/authenticated.decorator.js';
import { Access } from '../access/access.decorator.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';
import { ClientSignal } from '../common/client-signal.js';
import { ApiKubeParam, ApiUuidParam, KubeParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../common/swagger.js';
import { ApplyService } from './apply.service.js';
import {
  ApplyDto,
  ApplySummaryDto,
  EventsQueryDto,
  MetricsQueryDto,
  ResourceMetricsDto,
} from './dto/actions.dto.js';
import {
  ApiKubePage,
  ApiResourceDto,
  ApiResourceQueryDto,
  ResourceGetQueryDto,
  ResourceListQueryDto,
} from './dto/resource.dto.js';
import { kubeRef } from './dto/kube-object.schemas.js';
import { EventsService } from './events.service.js';
import { ResourceMetricsService } from './resource-metrics.service.js';
import { ResourcesService } from './resources.service.js';
import { Audit } from '../common/audit/audit.decorator.js';
import { Watchable } from '../live/watch/watchable.js';

const LIVE =
  'Read live from the cluster’s API server. Kubernetes errors keep their status (403, 404, 409); unreachable → 503, slow → 504.';

@ApiTags('live resources')
@Controller('clusters/:id')
@ApiUuidParam('id', 'Cluster id')
export class ResourcesController {
  constructor(
    private readonly resources: ResourcesService,
    private readonly events: EventsService,
    private readonly apply: ApplyService,
    private readonly metrics: ResourceMetricsService,
  ) {}

  @Get('api-resources')
  @Access(Verb.CLUSTERS_READ, { cluster: 'id' })
  @ApiOperation({
    summary: 'Resource types the cluster serves (discovery, CRDs included)',
    description: LIVE,
  })
  @ApiPageEnvelope(ApiResourceDto)
  @ApiErrors(400, 404, 422, 502, 503, 504)
  apiResources(@UuidParam() id: string, @Query() q: ApiResourceQueryDto) {
    return this.resources.apiResources(id, q);
  }

  @Get('resources/:resource')
  @Access(Verb.OBJECTS_READ, {
    cluster: 'id',
    namespace: { query: 'namespace' },
    reveal: { query: 'show_secret_values' },
  })
  @ApiKubeParam('resource', 'resource')
  @ApiOperation({
    summary: 'List objects of any resource type (paginated through Kubernetes continue tokens)',
    description: `${LIVE} Secret values are redacted unless an admin passes show_secret_values=true.`,
  })
  @ApiKubePage()
  @ApiErrors(400, 403, 404, 405, 422, 502, 503, 504)
  @Watchable({ scope: 'cluster', query: ResourceListQueryDto, resource: { param: 'resource' } })
  list(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @KubeParam('resource', 'resource') resource: string,
    @Query() q: ResourceListQueryDto,
    @ClientSignal() signal: AbortSignal,
  ) {
    return this.resources.list(user, id, resource, q, signal);
  }

  @Get('resources/:resource/:name')
  @Access(Verb.OBJECTS_READ, {
    cluster: 'id',
    namespace: { query: 'namespace' },
    reveal: { query: 'show_secret_values' },
  })
  @ApiKubeParam('resource', 'resource')
  @ApiKubeParam('name', 'name')
  @ApiOperation({ summary: 'Get one object (namespace required for namespaced types)', description: LIVE })
  @ApiOkEnvelope(kubeRef('KubeObject'))
  @ApiErrors(400, 403, 404, 405, 422, 502, 503, 504)
  get(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @KubeParam('resource', 'resource') resource: string,
    @KubeParam('name', 'name') name: string,
    @Query() q: ResourceGetQueryDto,
  ) {
    return this.resources.get(user, id, resource, name, q);
  }

  @Delete('resources/:resource/:name')
  @Audit('resource.delete', 'clusters')
  @Access(Verb.OBJECTS_WRITE, { cluster: 'id', namespace: { query: 'namespace' } })
  @ApiKubeParam('resource', 'resource')
  @ApiKubeParam('name', 'name')
  @ApiOperation({ summary: 'Delete one object (background propagation)', description: LIVE })
  @ApiOkEnvelope(
    { anyOf: [kubeRef('KubeObject'), kubeRef('KubeStatus')] },
    { description: 'The object being deleted, or the Status Kubernetes answers for some kinds' },
  )
  @ApiErrors(400, 403, 404, 405, 409, 422, 502, 503, 504)
  remove(
    @UuidParam() id: string,
    @KubeParam('resource', 'resource') resource: string,
    @KubeParam('name', 'name') name: string,
    @Query() q: ResourceGetQueryDto,
  ) {
    return this.resources.delete(id, resource, name, q.namespace);
  }

  @Get('events')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: { query: 'namespace' } })
  @ApiOperation({
    summary: 'Events, newest first, filtered by namespace, involved object and type',
    description: LIVE,
  })
  @ApiPageEnvelope(kubeRef('Event'), 'One page of events, newest first')
  @ApiErrors(400, 403, 404, 422, 502, 503, 504)
  @Watchable({ scope: 'cluster', query: EventsQueryDto, resource: 'events', events: true })
  listEvents(@UuidParam() id: string, @Query() q: EventsQueryDto) {
    return this.events.list(id, q);
  }

  @Post('apply')
  @Audit('manifest.apply', 'clusters')
  @HttpCode(200)
  @Access(Verb.OBJECTS_WRITE, { cluster: 'id', namespace: 'per-object' })
  @ApiOperation({
    summary: 'Server-side apply (field manager "berth") of multi-document YAML or JSON, with dry run',
    description:
      'Each object gets a result: created, configured, unchanged or failed (with the API server’s reason). Partial success is 200; 422 (code 42203) only when every object failed. ' +
      'Each object is checked against the caller’s grants in its namespace first (cluster-scoped objects: cluster-wide); one object outside them refuses the whole manifest with 403 (data.objects lists them) and nothing is applied.',
  })
  @ApiOkEnvelope(ApplySummaryDto)
  @ApiErrors(400, 404, 422, 503, 504)
  applyManifest(@CurrentUser() user: AuthUser, @UuidParam() id: string, @Body() dto: ApplyDto) {
    return this.apply.apply(user, id, dto.manifest, dto);
  }

  @Get('metrics/nodes')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiOperation({
    summary:
      'Node CPU and memory usage (metrics.k8s.io); 404 code 40403 when the cluster has no metrics-server',
  })
  @ApiPageEnvelope(ResourceMetricsDto)
  @ApiErrors(400, 404, 422, 502, 503, 504)
  nodeMetrics(@UuidParam() id: string, @Query() q: MetricsQueryDto) {
    return this.metrics.nodes(id, q);
  }

  @Get('metrics/pods')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: { query: 'namespace' } })
  @ApiOperation({ summary: 'Pod CPU and memory usage (metrics.k8s.io), with per-container usage' })
  @ApiPageEnvelope(ResourceMetricsDto)
  @ApiErrors(400, 404, 422, 502, 503, 504)
  podMetrics(@UuidParam() id: string, @Query() q: MetricsQueryDto) {
    return this.metrics.pods(id, q);
  }
}
