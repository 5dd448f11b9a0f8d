import { Body, Controller, Delete, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/authenticated.decorator.js';
import { Access } from '../access/access.decorator.js';
import { Verb } from '../access/roles.js';
import type { AuthUser } from '../auth/role.js';
import { ApiUuidParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../common/swagger.js';
import {
  CreateRegistryDto,
  RegistryDto,
  RegistryHealthDto,
  RegistryQueryDto,
  UpdateRegistryDto,
} from './dto/registry.dto.js';
import { RegistriesService } from './registries.service.js';
import { Audit } from '../common/audit/audit.decorator.js';

@ApiTags('registries')
@Controller('registries')
export class RegistriesController {
  constructor(private readonly registries: RegistriesService) {}

  @Get()
  @Access(Verb.REGISTRIES_READ)
  @ApiOperation({ summary: 'List image registries' })
  @ApiPageEnvelope(RegistryDto)
  @ApiErrors(400)
  list(@Query() q: RegistryQueryDto) {
    return this.registries.list(q);
  }

  @Post()
  @Audit('registry.create', 'registries')
  @Access(Verb.SETTINGS_MANAGE)
  @ApiOperation({
    summary: 'Add an image registry (credential_id must be a credential of the same provider)',
    description:
      'Berth asks the registry which version it runs before saving it: Harbor must be 2.2 or newer (422 otherwise); a registry that refuses the credential is 502 code 50202, one that cannot be reached 503.',
  })
  @ApiOkEnvelope(RegistryDto, { status: 201 })
  @ApiErrors(400, 409, 422, 502, 503, 504)
  create(@CurrentUser() user: AuthUser, @Body() dto: CreateRegistryDto) {
    return this.registries.create(dto, user.id);
  }

  @Get(':id')
  @Access(Verb.REGISTRIES_READ)
  @ApiUuidParam()
  @ApiOperation({ summary: 'Get a registry record' })
  @ApiOkEnvelope(RegistryDto)
  @ApiErrors(400, 404)
  get(@UuidParam() id: string) {
    return this.registries.get(id);
  }

  @Patch(':id')
  @Audit('registry.update', 'registries')
  @Access(Verb.SETTINGS_MANAGE)
  @ApiUuidParam()
  @ApiOperation({
    summary: 'Rename, move or re-credential a registry record',
    description: 'A new endpoint is checked like a new registry (Harbor 2.2 or newer).',
  })
  @ApiOkEnvelope(RegistryDto)
  @ApiErrors(400, 404, 409, 422, 502, 503, 504)
  update(@UuidParam() id: string, @Body() dto: UpdateRegistryDto) {
    return this.registries.update(id, dto);
  }

  @Delete(':id')
  @Audit('registry.delete', 'registries')
  @Access(Verb.SETTINGS_MANAGE)
  @ApiUuidParam()
  @ApiOperation({
    summary:
      'Remove a registry record (the registry itself is not touched); 409 while image pull secrets use it',
  })
  @ApiOkEnvelope(null)
  @ApiErrors(400, 404, 409)
  remove(@UuidParam() id: string) {
    return this.registries.remove(id);
  }

  @Get(':id/health')
  @Access(Verb.REGISTRIES_READ)
  @ApiUuidParam()
  @ApiOperation({ summary: 'Ask the registry now: component health and version' })
  @ApiOkEnvelope(RegistryHealthDto)
  @ApiErrors(400, 404, 502, 503, 504)
  health(@UuidParam() id: string) {
    return this.registries.health(id);
  }
}
