import { Body, Controller, Delete, Get, HttpCode, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CurrentUser } from '../auth/authenticated.decorator.js';
import { Access } from '../access/access.decorator.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';
import { ApiUuidParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../common/swagger.js';
import { OperationDto } from '../operations/dto/operation.dto.js';
import { ApiIdempotencyKey, IdempotencyKey } from '../operations/idempotency-key.decorator.js';
import { ClustersService } from './clusters.service.js';
import {
  ClusterDto,
  ClusterHealthDto,
  ClusterQueryDto,
  ImportClusterDto,
  UpdateClusterDto,
} from './dto/cluster.dto.js';
import { CreateClusterDto, DeleteClusterQueryDto } from './dto/provision.dto.js';
import { type MaybeOperation, ProvisioningService } from './provisioning.service.js';
import { Audit } from '../common/audit/audit.decorator.js';
import { toBool } from '../common/validators.js';

function answer<T>(reply: FastifyReply, r: MaybeOperation<T>) {
  reply.status(r.status);
  return r.body;
}

@ApiTags('clusters')
@ApiExtraModels(OperationDto)
@Controller('clusters')
export class ClustersController {
  constructor(
    private readonly clusters: ClustersService,
    private readonly provisioning: ProvisioningService,
  ) {}

  @Get()
  @Access(Verb.CLUSTERS_READ)
  @ApiOperation({ summary: 'List clusters (filter by provider, status, labels, name; sort)' })
  @ApiPageEnvelope(ClusterDto)
  @ApiErrors(400)
  list(@CurrentUser() user: AuthUser, @Query() q: ClusterQueryDto) {
    return this.clusters.list(q, user);
  }

  @Post()
  @Audit('cluster.create', 'clusters')
  @HttpCode(202)
  @Access(Verb.CLUSTERS_MANAGE, { newCluster: { body: 'labels' } })
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Create a cluster at a vendor (ACK, TKE or Rancher; `spec` per provider); returns the operation',
    description:
      'Checks the spec for the provider and the credential at the vendor (a rejected credential is 502 code 50202), records the cluster as `provisioning`, ' +
      'then the operation creates it, waits until it runs, stores its kubeconfig (checked like any kubeconfig) and probes it: the cluster becomes `active`, or `failed` with the vendor’s reason in `last_error`.',
  })
  @ApiOkEnvelope(OperationDto, { status: 202 })
  @ApiErrors(400, 404, 409, 422, 502, 503, 504)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateClusterDto, @IdempotencyKey() key?: string) {
    return this.provisioning.create(dto, user.id, key);
  }

  @Post('import')
  @Audit('cluster.import', 'clusters')
  @Access(Verb.CLUSTERS_MANAGE, { newCluster: { body: 'labels' } })
  @ApiOperation({
    summary: 'Attach an existing cluster by kubeconfig or server + token',
    description:
      'Berth probes the cluster before saving. Unreachable → 503 (one message for every connection failure), slow → 504, credential rejected → 422, refused kubeconfig → 422; ' +
      '`force` saves an unreachable one as unavailable instead. A server that answers but is not Kubernetes → 422 (42211), even with `force`; ' +
      'a server resolving to an address the outbound policy refuses → 422 (42210); `insecure_skip_tls_verify` (also in a kubeconfig) is admin-only → 403.',
  })
  @ApiOkEnvelope(ClusterDto, { status: 201 })
  @ApiErrors(400, 403, 409, 422, 503, 504)
  import(@CurrentUser() user: AuthUser, @Body() dto: ImportClusterDto) {
    return this.clusters.import(dto, user);
  }

  @Get(':id')
  @Access(Verb.CLUSTERS_READ, { cluster: 'id' })
  @ApiUuidParam()
  @ApiOperation({ summary: 'Get a cluster record (never its credential)' })
  @ApiOkEnvelope(ClusterDto)
  @ApiErrors(400, 404)
  get(@UuidParam() id: string) {
    return this.clusters.get(id);
  }

  @Patch(':id')
  @Audit('cluster.update', 'clusters')
  @Access(Verb.CLUSTERS_MANAGE, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiUuidParam()
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Rename, relabel, relocate, or rotate the credential (re-probed before it is saved)',
    description:
      'Imported clusters: answered at once (200, the record). Vendor clusters: Berth-only fields (display_name, labels, city, district) change at once; ' +
      'vendor-side fields the provider supports (name, description, deletion_protection) change through an operation (202).',
  })
  @ApiOkEnvelope(ClusterDto)
  @ApiOkEnvelope(OperationDto, { status: 202 })
  @ApiErrors(400, 404, 409, 422, 502, 503, 504)
  async update(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @Body() dto: UpdateClusterDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @IdempotencyKey() key?: string,
  ) {
    return answer(reply, await this.provisioning.update(id, dto, user, key));
  }

  @Delete(':id')
  @Audit(
    {
      pick: (req) =>
        toBool({ value: (req.query as { destroy?: unknown }).destroy }) === true
          ? 'cluster.destroy'
          : 'cluster.detach',
      among: ['cluster.detach', 'cluster.destroy'],
    },
    'clusters',
  )
  @Access(Verb.CLUSTERS_MANAGE, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiUuidParam()
  @ApiIdempotencyKey()
  @ApiOperation({
    summary:
      'Detach a cluster (removes the record and cached clients, never touches the cluster), or destroy a vendor cluster (`destroy=true`, an operation)',
  })
  @ApiOkEnvelope(null)
  @ApiOkEnvelope(OperationDto, { status: 202 })
  @ApiErrors(400, 404, 409, 422, 502, 503, 504)
  async detach(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @Query() q: DeleteClusterQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
    @IdempotencyKey() key?: string,
  ) {
    return answer(reply, await this.provisioning.remove(id, q.destroy ?? false, user.id, key));
  }

  @Post(':id/retry')
  @Audit('cluster.retry', 'clusters')
  @HttpCode(202)
  @Access(Verb.CLUSTERS_MANAGE, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiUuidParam()
  @ApiIdempotencyKey()
  @ApiOperation({
    summary: 'Retry a failed or interrupted create (an operation resuming from its checkpoint)',
    description:
      'For a vendor cluster whose create failed (`status: failed`) or stopped (`provisioning` with no operation running): a new `clusters.create` operation ' +
      'starts where the last one stopped, adopting the vendor cluster it already made instead of creating another. ' +
      '409 while an operation runs on the cluster (its id in `data.operation_id`), or when the cluster is in another state; 422 for imported clusters.',
  })
  @ApiOkEnvelope(OperationDto, { status: 202 })
  @ApiErrors(400, 404, 409, 422)
  retry(@CurrentUser() user: AuthUser, @UuidParam() id: string, @IdempotencyKey() key?: string) {
    return this.provisioning.retry(id, user.id, key);
  }

  @Get(':id/health')
  @Access(Verb.CLUSTERS_READ, { cluster: 'id' })
  @ApiUuidParam()
  @ApiOperation({ summary: 'Probe the cluster now (version, nodes, latency) and record the result' })
  @ApiOkEnvelope(ClusterHealthDto)
  @ApiErrors(400, 404)
  health(@UuidParam() id: string) {
    return this.clusters.health(id);
  }
}
