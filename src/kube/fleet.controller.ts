import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/authenticated.decorator.js';
import { Access } from '../access/access.decorator.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';
import { ApiKubeParam, KubeParam } from '../common/params.js';
import { ApiErrors, ApiPageEnvelope } from '../common/swagger.js';
import {
  FleetClusterResultDto,
  FleetItemDto,
  FleetQueryDto,
  FleetSummaryItemDto,
  FleetSummaryQueryDto,
} from './dto/actions.dto.js';
import { FleetService } from './fleet.service.js';
import { Watchable } from '../live/watch/watchable.js';

const ids = (s?: string) => (s ? s.split(',') : undefined);

@ApiTags('fleet')
@Controller('fleet')
export class FleetController {
  constructor(private readonly fleet: FleetService) {}

  @Get('resources/:resource')
  @Access(Verb.OBJECTS_READ)
  @ApiKubeParam('resource', 'resource')
  @ApiOperation({
    summary: 'List a resource type across clusters at once',
    description:
      'Clusters are queried concurrently (bounded) with a per-cluster deadline. Each item carries its cluster; `clusters` reports every cluster’s status (ok, timeout, unreachable, forbidden, error, unknown_type, invalid), latency and count. ' +
      'Each cluster’s (cached) discovery checks the query before the cluster is listed: a cluster that serves no such type is `unknown_type`, one where the query does not fit the type (namespace on a cluster-scoped type) is `invalid`. ' +
      'When no cluster accepts the query it is answered as the single-cluster route answers it: unknown type 404 (40402), namespace on a cluster-scoped type 400 (40001), verb not served 405 (40500). ' +
      'Partial success is 200; otherwise "every cluster failed" is an error.',
  })
  @ApiPageEnvelope(FleetItemDto, 'Merged page of objects across clusters', {
    name: 'clusters',
    model: FleetClusterResultDto,
    description: 'Outcome per cluster',
  })
  @ApiErrors(400, 403, 404, 405, 422, 502, 503, 504)
  @Watchable({ scope: 'fleet', query: FleetQueryDto, resource: { param: 'resource' } })
  resources(
    @CurrentUser() user: AuthUser,
    @KubeParam('resource', 'resource') resource: string,
    @Query() q: FleetQueryDto,
  ) {
    return this.fleet.resources(user, resource, { ...q, clusters: ids(q.clusters) });
  }

  @Get('summary')
  @Access(Verb.CLUSTERS_READ)
  @ApiOperation({ summary: 'Per-cluster version, health, node and pod counts, read live and concurrently' })
  @ApiPageEnvelope(FleetSummaryItemDto)
  @ApiErrors(400, 404)
  summary(@CurrentUser() user: AuthUser, @Query() q: FleetSummaryQueryDto) {
    return this.fleet.summary(user, { ...q, clusters: ids(q.clusters) });
  }
}
