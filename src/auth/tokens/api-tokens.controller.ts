import { Body, Controller, Delete, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../../common/audit/audit.decorator.js';
import { ApiUuidParam, UuidParam } from '../../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../../common/swagger.js';
import { Authenticated, CurrentUser } from '../authenticated.decorator.js';
import type { AuthUser } from '../role.js';
import { ApiTokensService } from './api-tokens.service.js';
import {
  CreatedTokenDto,
  CreateTokenDto,
  RotateTokenDto,
  TokenDto,
  TokenListQueryDto,
} from './dto/token.dto.js';

/** The caller's own tokens; callers with principals.manage see and manage every token. */
@ApiTags('tokens')
@Controller('tokens')
@Authenticated()
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Post()
  @Audit('token.create', 'tokens')
  @ApiOperation({
    summary: 'Create an API token (for yourself, or with principals.manage for a service account)',
    description:
      'The secret (`berth_pat_…`) is in this answer only. Send it as `Authorization: Bearer <token>` on any route. Its grants must be within your own (403 naming the grant that is not).',
  })
  @ApiOkEnvelope(CreatedTokenDto, { status: 201 })
  @ApiErrors(400, 403)
  create(@CurrentUser() caller: AuthUser, @Body() dto: CreateTokenDto) {
    return this.tokens.create(caller, dto);
  }

  @Get()
  @ApiOperation({
    summary: 'List your tokens (principals.manage: every token, filter by user_id)',
    description:
      'Active tokens by default; `include_revoked=true` adds revoked ones. Secrets are never listed.',
  })
  @ApiPageEnvelope(TokenDto)
  @ApiErrors(400, 403)
  list(@CurrentUser() caller: AuthUser, @Query() q: TokenListQueryDto) {
    return this.tokens.list(caller, q);
  }

  @Get(':id')
  @ApiUuidParam()
  @ApiOperation({
    summary: 'Get a token (never its secret)',
    description:
      'With its grants, status, and where and when it was last used. Others’ tokens need principals.manage (404 otherwise).',
  })
  @ApiOkEnvelope(TokenDto)
  @ApiErrors(400, 404)
  get(@CurrentUser() caller: AuthUser, @UuidParam() id: string) {
    return this.tokens.get(caller, id);
  }

  @Delete(':id')
  @Audit('token.revoke', 'tokens')
  @ApiUuidParam()
  @ApiOperation({
    summary: 'Revoke a token: refused by every Berth instance within a second (durable in Postgres)',
    description: 'Revoking a revoked token is a no-op. The token stays listed with include_revoked=true.',
  })
  @ApiOkEnvelope(null)
  @ApiErrors(400, 404)
  revoke(@CurrentUser() caller: AuthUser, @UuidParam() id: string) {
    return this.tokens.revoke(caller, id);
  }

  @Post(':id/rotate')
  @Audit('token.rotate', 'tokens')
  @HttpCode(200)
  @ApiUuidParam()
  @ApiOperation({
    summary: 'Rotate a token: a new secret with the same id and grants; the old secret stops working',
    description:
      'The new secret is in this answer only. Give expires_at for a new expiry (needed when the token has expired); a revoked token cannot be rotated (409).',
  })
  @ApiOkEnvelope(CreatedTokenDto)
  @ApiErrors(400, 404, 409)
  rotate(@CurrentUser() caller: AuthUser, @UuidParam() id: string, @Body() dto: RotateTokenDto) {
    return this.tokens.rotate(caller, id, dto);
  }
}
