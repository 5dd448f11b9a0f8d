import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Authenticated, CurrentUser } from '../../auth/authenticated.decorator.js';
import type { AuthUser } from '../../auth/role.js';
import { ApiErrors, ApiOkEnvelope } from '../../common/swagger.js';
import { KubeconfigDto, KubeconfigQueryDto } from './kubeconfig.dto.js';
import { KubeconfigService } from './kubeconfig.service.js';

@ApiTags('kubectl through Berth')
@Controller('kubeconfig')
export class KubeconfigController {
  constructor(private readonly kubeconfigs: KubeconfigService) {}

  @Get()
  @Authenticated()
  @ApiOperation({
    summary: 'A kubeconfig for the clusters you may see',
    description:
      'One context per cluster (server: Berth’s /k8s/clusters/<id>), its user an API token of the caller (named after the download, the caller’s grants, expiring, revocable under /tokens). kubectl then goes through Berth’s authentication, grants and audit; no cluster credential is in it.',
  })
  @ApiOkEnvelope(KubeconfigDto)
  @ApiErrors(400, 404, 503)
  get(@CurrentUser() user: AuthUser, @Query() q: KubeconfigQueryDto, @Req() req: FastifyRequest) {
    return this.kubeconfigs.build(user, `${req.protocol}://${req.host}`, q.clusters?.split(','));
  }
}
