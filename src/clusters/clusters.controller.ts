import { Body, Controller, Delete, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/authenticated.decorator.js';
import { type AuthUser, Role } from '../auth/role.js';
import { ApiUuidParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../common/swagger.js';
import { ClustersService } from './clusters.service.js';
import { ClusterDto, ClusterHealthDto, ClusterQueryDto, ImportClusterDto, UpdateClusterDto } from './dto/cluster.dto.js';

@ApiTags('clusters')
@Controller('clusters')
export class ClustersController {
  constructor(private readonly clusters: ClustersService) {}

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'List clusters (filter by provider, status, labels, name; sort)' })
  @ApiPageEnvelope(ClusterDto)
  @ApiErrors(400)
  list(@Query() q: ClusterQueryDto) {
    return this.clusters.list(q);
  }

  @Post('import')
  @Authenticated({ role: Role.OPERATOR })
  @ApiOperation({
    summary: 'Attach an existing cluster by kubeconfig or server + token',
    description: 'Berth probes the cluster before saving. Unreachable → 503, slow → 504, credential rejected → 422, refused kubeconfig → 422; `force` saves it as unavailable instead.',
  })
  @ApiOkEnvelope(ClusterDto, { status: 201 })
  @ApiErrors(400, 409, 422, 503, 504)
  import(@CurrentUser() user: AuthUser, @Body() dto: ImportClusterDto) {
    return this.clusters.import(dto, user.id);
  }

  @Get(':id')
  @Authenticated()
  @ApiUuidParam()
  @ApiOperation({ summary: 'Get a cluster record (never its credential)' })
  @ApiOkEnvelope(ClusterDto)
  @ApiErrors(400, 404)
  get(@UuidParam() id: string) {
    return this.clusters.get(id);
  }

  @Patch(':id')
  @Authenticated({ role: Role.OPERATOR })
  @ApiUuidParam()
  @ApiOperation({ summary: 'Rename, relabel, relocate, or rotate the credential (re-probed before it is saved)' })
  @ApiOkEnvelope(ClusterDto)
  @ApiErrors(400, 404, 409, 422, 503, 504)
  update(@UuidParam() id: string, @Body() dto: UpdateClusterDto) {
    return this.clusters.update(id, dto);
  }

  @Delete(':id')
  @Authenticated({ role: Role.OPERATOR })
  @ApiUuidParam()
  @ApiOperation({ summary: 'Detach a cluster: removes the record and cached clients, never touches the cluster' })
  @ApiOkEnvelope(null)
  @ApiErrors(400, 404)
  detach(@UuidParam() id: string) {
    return this.clusters.detach(id);
  }

  @Get(':id/health')
  @Authenticated()
  @ApiUuidParam()
  @ApiOperation({ summary: 'Probe the cluster now (version, nodes, latency) and record the result' })
  @ApiOkEnvelope(ClusterHealthDto)
  @ApiErrors(400, 404)
  health(@UuidParam() id: string) {
    return this.clusters.health(id);
  }
}
