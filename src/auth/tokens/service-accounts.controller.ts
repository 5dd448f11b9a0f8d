import { Body, Controller, Delete, Get, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../../access/access.decorator.js';
import { Verb } from '../../access/roles.js';
import { Audit } from '../../common/audit/audit.decorator.js';
import { PageQueryDto } from '../../common/pagination.dto.js';
import { ApiUuidParam, UuidParam } from '../../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../../common/swagger.js';
import { CreateServiceAccountDto, ServiceAccountDto } from './dto/service-account.dto.js';
import { ServiceAccountsService } from './service-accounts.service.js';

@ApiTags('tokens')
@Controller('service-accounts')
@Access(Verb.PRINCIPALS_MANAGE)
export class ServiceAccountsController {
  constructor(private readonly accounts: ServiceAccountsService) {}

  @Post()
  @Audit('service-account.create', 'users')
  @ApiOperation({
    summary: 'Create a service account (a user that acts only through API tokens, never by password)',
    description:
      'It starts without grants: give it some with POST /grants (subject_type user), then create its tokens with POST /tokens (user_id).',
  })
  @ApiOkEnvelope(ServiceAccountDto, { status: 201 })
  @ApiErrors(400, 409)
  create(@Body() dto: CreateServiceAccountDto) {
    return this.accounts.create(dto);
  }

  @Get()
  @ApiOperation({ summary: 'List service accounts', description: 'With how many active tokens each holds.' })
  @ApiPageEnvelope(ServiceAccountDto)
  @ApiErrors(400)
  list(@Query() q: PageQueryDto) {
    return this.accounts.list(q);
  }

  @Get(':id')
  @ApiUuidParam()
  @ApiOperation({
    summary: 'Get a service account',
    description: 'Its grants: GET /grants?subject_id=…; its tokens: GET /tokens?user_id=….',
  })
  @ApiOkEnvelope(ServiceAccountDto)
  @ApiErrors(400, 404)
  get(@UuidParam() id: string) {
    return this.accounts.get(id);
  }

  @Delete(':id')
  @Audit('service-account.delete', 'users')
  @ApiUuidParam()
  @ApiOperation({
    summary: 'Delete a service account: its tokens are revoked and its grants removed',
    description: 'Every Berth instance refuses its tokens within a second.',
  })
  @ApiOkEnvelope(null)
  @ApiErrors(400, 404)
  remove(@UuidParam() id: string) {
    return this.accounts.remove(id);
  }
}
