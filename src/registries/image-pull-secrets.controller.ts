import { Body, Controller, Delete, Get, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/authenticated.decorator.js';
import { Access } from '../access/access.decorator.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';
import { ApiKubeParam, ApiUuidParam, KubeParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../common/swagger.js';
import {
  CreateImagePullSecretDto,
  ImagePullSecretDto,
  ImagePullSecretQueryDto,
} from './dto/image-pull-secret.dto.js';
import { ImagePullSecretsService } from './image-pull-secrets.service.js';
import { Audit } from '../common/audit/audit.decorator.js';

@ApiTags('image pull secrets')
@Controller('clusters/:id')
@ApiUuidParam('id', 'Cluster id')
export class ImagePullSecretsController {
  constructor(private readonly secrets: ImagePullSecretsService) {}

  @Get('image-pull-secrets')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: 'cluster-wide' })
  @ApiOperation({ summary: 'Image pull secrets Berth installed in this cluster (all namespaces)' })
  @ApiPageEnvelope(ImagePullSecretDto)
  @ApiErrors(400, 404)
  listAll(@UuidParam() id: string, @Query() q: ImagePullSecretQueryDto) {
    return this.secrets.list(id, undefined, q);
  }

  @Get('namespaces/:ns/image-pull-secrets')
  @Access(Verb.OBJECTS_READ, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiKubeParam('ns', 'label')
  @ApiOperation({ summary: 'Image pull secrets Berth installed in this namespace' })
  @ApiPageEnvelope(ImagePullSecretDto)
  @ApiErrors(400, 404)
  list(@UuidParam() id: string, @KubeParam('ns', 'label') ns: string, @Query() q: ImagePullSecretQueryDto) {
    return this.secrets.list(id, ns, q);
  }

  @Post('namespaces/:ns/image-pull-secrets')
  @Audit('image-pull-secret.create', 'clusters')
  @Access(Verb.OBJECTS_WRITE, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiKubeParam('ns', 'label')
  @ApiOperation({
    summary: 'Give the namespace pull access to a registry project',
    description:
      'Creates a robot account that may only pull from the project and installs it as a kubernetes.io/dockerconfigjson Secret. ' +
      'If installing the Secret fails the robot is deleted again; the robot’s secret is never stored in Berth.',
  })
  @ApiOkEnvelope(ImagePullSecretDto, { status: 201 })
  @ApiErrors(400, 404, 409, 502, 503, 504)
  create(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @KubeParam('ns', 'label') ns: string,
    @Body() dto: CreateImagePullSecretDto,
  ) {
    return this.secrets.create(id, ns, dto, user.id);
  }

  @Delete('namespaces/:ns/image-pull-secrets/:name')
  @Audit('image-pull-secret.delete', 'clusters')
  @Access(Verb.OBJECTS_WRITE, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiKubeParam('ns', 'label')
  @ApiKubeParam('name', 'name')
  @ApiOperation({ summary: 'Remove the Secret from the cluster and its robot account from the registry' })
  @ApiOkEnvelope(null)
  @ApiErrors(400, 404, 502, 503, 504)
  remove(
    @UuidParam() id: string,
    @KubeParam('ns', 'label') ns: string,
    @KubeParam('name', 'name') name: string,
  ) {
    return this.secrets.remove(id, ns, name);
  }
}
