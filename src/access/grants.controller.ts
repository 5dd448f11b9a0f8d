import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../auth/authenticated.decorator.js';
import type { AuthUser } from '../auth/role.js';
import { Audit } from '../common/audit/audit.decorator.js';
import { ApiUuidParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../common/swagger.js';
import { Access } from './access.decorator.js';
import {
  AccessReviewDto,
  AccessReviewResultDto,
  CreateGrantDto,
  GrantDto,
  GrantListQueryDto,
} from './dto/grant.dto.js';
import { GrantsService } from './grants.service.js';
import { Verb } from './roles.js';

@ApiTags('access')
@Controller()
export class GrantsController {
  constructor(private readonly grants: GrantsService) {}

  @Get('grants')
  @Access(Verb.PRINCIPALS_MANAGE)
  @ApiOperation({ summary: 'List grants (filter by subject and role)' })
  @ApiPageEnvelope(GrantDto)
  @ApiErrors(400)
  list(@Query() q: GrantListQueryDto) {
    return this.grants.list(q);
  }

  @Post('grants')
  @Audit('grant.create', 'grants')
  @Access(Verb.PRINCIPALS_MANAGE)
  @ApiOperation({
    summary: 'Give a user or group a role on a scope',
    description:
      'Scope: every cluster, `cluster_ids`, or `cluster_selector` (clusters labelled later match at once); optionally `namespaces` or `namespace_selector` inside them. Takes effect on every Berth instance within a second.',
  })
  @ApiOkEnvelope(GrantDto, { status: 201 })
  @ApiErrors(400, 404)
  create(@CurrentUser() actor: AuthUser, @Body() dto: CreateGrantDto) {
    return this.grants.create(dto, actor);
  }

  @Get('grants/:id')
  @Access(Verb.PRINCIPALS_MANAGE)
  @ApiUuidParam()
  @ApiOperation({ summary: 'Get a grant' })
  @ApiOkEnvelope(GrantDto)
  @ApiErrors(400, 404)
  get(@UuidParam() id: string) {
    return this.grants.get(id);
  }

  @Delete('grants/:id')
  @Audit('grant.delete', 'grants')
  @Access(Verb.PRINCIPALS_MANAGE)
  @ApiUuidParam()
  @ApiOperation({ summary: 'Revoke a grant (role presets change through the user’s role instead: 409)' })
  @ApiOkEnvelope(null)
  @ApiErrors(400, 404, 409)
  remove(@UuidParam() id: string) {
    return this.grants.remove(id);
  }

  @Post('access-review')
  @Audit('access.review', 'grants')
  @HttpCode(200)
  @Access(Verb.PRINCIPALS_MANAGE)
  @ApiOperation({
    summary: 'What may a user or token do on a cluster / namespace (like Kubernetes’ SubjectAccessReview)',
  })
  @ApiOkEnvelope(AccessReviewResultDto)
  @ApiErrors(400, 404)
  review(@CurrentUser() caller: AuthUser, @Body() dto: AccessReviewDto) {
    return this.grants.review(dto, caller);
  }

  @Post('auth/me/access-review')
  @Audit('access.review', 'grants')
  @HttpCode(200)
  @Authenticated()
  @ApiOperation({
    summary: 'May I do this here? (the caller’s own access review; subject fields are ignored)',
    description: 'For UIs that show only the actions the caller may take.',
  })
  @ApiOkEnvelope(AccessReviewResultDto)
  @ApiErrors(400)
  reviewSelf(@CurrentUser() caller: AuthUser, @Body() dto: AccessReviewDto) {
    return this.grants.review({ ...dto, subject_id: undefined, subject_type: undefined }, caller);
  }
}
