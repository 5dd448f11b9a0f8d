import { Body, Controller, Delete, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/authenticated.decorator.js';
import { Access } from '../access/access.decorator.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';
import { ApiUuidParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../common/swagger.js';
import { CREDENTIAL_SCHEMA_MODELS } from './credential-schemas.js';
import {
  CreateCredentialDto,
  CredentialDto,
  CredentialQueryDto,
  UpdateCredentialDto,
} from './dto/credential.dto.js';
import { CredentialsService } from './credentials.service.js';
import { Audit } from '../common/audit/audit.decorator.js';

@ApiTags('credentials')
@ApiExtraModels(...CREDENTIAL_SCHEMA_MODELS)
@Controller('credentials')
export class CredentialsController {
  constructor(private readonly credentials: CredentialsService) {}

  @Get()
  @Access(Verb.CREDENTIALS_READ)
  @ApiOperation({ summary: 'List vendor credentials (secrets are never returned, only masked hints)' })
  @ApiPageEnvelope(CredentialDto)
  @ApiErrors(400)
  list(@Query() q: CredentialQueryDto) {
    return this.credentials.list(q);
  }

  @Post()
  @Audit('credential.create', 'credentials')
  @Access(Verb.SETTINGS_MANAGE)
  @ApiOperation({ summary: 'Store a vendor credential; secrets are encrypted at rest (AES-256-GCM)' })
  @ApiOkEnvelope(CredentialDto, { status: 201 })
  @ApiErrors(400, 409, 422)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateCredentialDto) {
    return this.credentials.create(dto, user.id);
  }

  @Get(':id')
  @Access(Verb.CREDENTIALS_READ)
  @ApiUuidParam()
  @ApiOperation({ summary: 'Get a credential (without its secrets)' })
  @ApiOkEnvelope(CredentialDto)
  @ApiErrors(400, 404)
  get(@UuidParam() id: string) {
    return this.credentials.get(id);
  }

  @Patch(':id')
  @Audit('credential.update', 'credentials')
  @Access(Verb.SETTINGS_MANAGE)
  @ApiUuidParam()
  @ApiOperation({ summary: 'Rename, change settings or replace secret fields (write-only)' })
  @ApiOkEnvelope(CredentialDto)
  @ApiErrors(400, 404, 409, 422)
  update(@UuidParam() id: string, @Body() dto: UpdateCredentialDto) {
    return this.credentials.update(id, dto);
  }

  @Delete(':id')
  @Audit('credential.delete', 'credentials')
  @Access(Verb.SETTINGS_MANAGE)
  @ApiUuidParam()
  @ApiOperation({ summary: 'Delete a credential' })
  @ApiOkEnvelope(null)
  @ApiErrors(400, 404, 409)
  remove(@UuidParam() id: string) {
    return this.credentials.remove(id);
  }
}
