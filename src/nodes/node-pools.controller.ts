import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/authenticated.decorator.js';
import { Access } from '../access/access.decorator.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';
import { ClientSignal } from '../common/client-signal.js';
import { ApiKubeParam, ApiUuidParam, KubeParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../common/swagger.js';
import { NODE_LIST_ITEM } from '../kube/dto/kube-object.schemas.js';
import { ApiKubePage, SelectorQueryDto } from '../kube/dto/resource.dto.js';
import { OperationDto } from '../operations/dto/operation.dto.js';
import { NodeListMerger } from './node-list.merger.js';
import { ApiIdempotencyKey, IdempotencyKey } from '../operations/idempotency-key.decorator.js';
import { CreateNodePoolDto, NodePoolDto, UpdateNodePoolDto } from './dto/node-pool.dto.js';
import { NodePoolsService } from './node-pools.service.js';
import { Audit } from '../common/audit/audit.decorator.js';
import { Watchable } from '../live/watch/watchable.js';

@ApiTags('node pools')
@Controller('clusters/:id')
@ApiUuidParam('id', 'Cluster id')
export class NodePoolsController {
  constructor(
    private readonly pools: NodePoolsService,
    private readonly nodes: NodeListMerger,
  ) {}

  @Get('nodes')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiOperation({
    summary: 'List nodes',
    description:
      'Vendor clusters: each node also carries `berth_node` (Berth’s record: instance_id, pool_id, provider, ip, state; null when Berth has none).',
  })
  @ApiKubePage(NODE_LIST_ITEM, 'One page of nodes', { api_version: ['v1'], kind: ['Node'] })
  @ApiErrors(400, 403, 404, 422, 503, 504)
  @Watchable({ scope: 'cluster', query: SelectorQueryDto, resource: 'nodes' })
  listNodes(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @Query() q: SelectorQueryDto,
    @ClientSignal() signal: AbortSignal,
  ) {
    return this.nodes.list(user, id, q, signal);
  }

  @Get('node-pools')
  @Access(Verb.CLUSTERS_READ, { cluster: 'id' })
  @ApiOperation({
    summary:
      'Node pools of a vendor cluster, as the vendor reports them now (the records are updated on the way)',
  })
  @ApiPageEnvelope(NodePoolDto)
  @ApiErrors(400, 404, 409, 422, 502, 503, 504)
  list(@UuidParam() id: string) {
    return this.pools.list(id);
  }

  @Post('node-pools')
  @Audit('node-pool.create', 'clusters')
  @HttpCode(202)
  @Access(Verb.NODES_MANAGE, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Create a node pool at the vendor; returns the operation' })
  @ApiOkEnvelope(OperationDto, { status: 202 })
  @ApiErrors(400, 404, 409, 422)
  create(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @Body() dto: CreateNodePoolDto,
    @IdempotencyKey() key?: string,
  ) {
    return this.pools.create(id, dto, user.id, key);
  }

  @Patch('node-pools/:pool_id')
  @Audit('node-pool.resize', 'clusters')
  @HttpCode(202)
  @Access(Verb.NODES_MANAGE, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiUuidParam('pool_id', 'Node pool id')
  @ApiIdempotencyKey()
  @ApiOperation({
    summary:
      'Resize a node pool (absolute desired size) and/or set its autoscaling bounds; returns the operation',
  })
  @ApiOkEnvelope(OperationDto, { status: 202 })
  @ApiErrors(400, 404, 409, 422)
  resize(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @UuidParam('pool_id') poolId: string,
    @Body() dto: UpdateNodePoolDto,
    @IdempotencyKey() key?: string,
  ) {
    return this.pools.resize(id, poolId, dto, user.id, key);
  }

  @Delete('node-pools/:pool_id')
  @Audit('node-pool.delete', 'clusters')
  @HttpCode(202)
  @Access(Verb.NODES_MANAGE, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiUuidParam('pool_id', 'Node pool id')
  @ApiIdempotencyKey()
  @ApiOperation({ summary: 'Delete a node pool and its nodes at the vendor; returns the operation' })
  @ApiOkEnvelope(OperationDto, { status: 202 })
  @ApiErrors(400, 404, 409, 422)
  remove(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @UuidParam('pool_id') poolId: string,
    @IdempotencyKey() key?: string,
  ) {
    return this.pools.remove(id, poolId, user.id, key);
  }

  @Delete('nodes/:name')
  @Audit('node.remove', 'clusters')
  @HttpCode(202)
  @Access(Verb.NODES_MANAGE, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiKubeParam('name', 'name')
  @ApiIdempotencyKey()
  @ApiOperation({
    summary:
      'Remove a node: cordon and drain it through Kubernetes (evictions), then release its instance at the vendor; returns the operation',
  })
  @ApiOkEnvelope(OperationDto, { status: 202 })
  @ApiErrors(400, 404, 409, 422)
  removeNode(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @KubeParam('name', 'name') name: string,
    @IdempotencyKey() key?: string,
  ) {
    return this.pools.removeNode(id, name, user.id, key);
  }
}
