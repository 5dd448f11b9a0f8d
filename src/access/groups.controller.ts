import { Body, Controller, Delete, Get, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Audit } from '../common/audit/audit.decorator.js';
import { PageQueryDto } from '../common/pagination.dto.js';
import { ApiUuidParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../common/swagger.js';
import { Access } from './access.decorator.js';
import {
  CreateGroupDto,
  GroupDto,
  GroupListQueryDto,
  GroupMemberDto,
  UpdateGroupDto,
} from './dto/group.dto.js';
import { GroupsService } from './groups.service.js';
import { Verb } from './roles.js';

@ApiTags('access')
@Controller('groups')
@Access(Verb.PRINCIPALS_MANAGE)
export class GroupsController {
  constructor(private readonly groups: GroupsService) {}

  @Get()
  @ApiOperation({ summary: 'List groups' })
  @ApiPageEnvelope(GroupDto)
  @ApiErrors(400)
  list(@Query() q: GroupListQueryDto) {
    return this.groups.list(q);
  }

  @Post()
  @Audit('group.create', 'groups')
  @ApiOperation({
    summary: 'Create a group (give it grants with POST /grants, subject_type group)',
    description:
      '`mappings` lists the SSO groups (OIDC groups claim values, LDAP group DNs) whose members become members at their next login.',
  })
  @ApiOkEnvelope(GroupDto, { status: 201 })
  @ApiErrors(400, 409)
  create(@Body() dto: CreateGroupDto) {
    return this.groups.create(dto);
  }

  @Get(':id')
  @ApiUuidParam()
  @ApiOperation({ summary: 'Get a group with its SSO mappings' })
  @ApiOkEnvelope(GroupDto)
  @ApiErrors(400, 404)
  get(@UuidParam() id: string) {
    return this.groups.get(id);
  }

  @Patch(':id')
  @Audit('group.update', 'groups')
  @ApiUuidParam()
  @ApiOperation({ summary: 'Rename a group, change its description or replace its SSO mappings' })
  @ApiOkEnvelope(GroupDto)
  @ApiErrors(400, 404, 409)
  update(@UuidParam() id: string, @Body() dto: UpdateGroupDto) {
    return this.groups.update(id, dto);
  }

  @Delete(':id')
  @Audit('group.delete', 'groups')
  @ApiUuidParam()
  @ApiOperation({ summary: 'Delete a group, its memberships and every grant it held' })
  @ApiOkEnvelope(null)
  @ApiErrors(400, 404)
  remove(@UuidParam() id: string) {
    return this.groups.remove(id);
  }

  @Get(':id/members')
  @ApiUuidParam()
  @ApiOperation({ summary: 'List the members of a group (local and SSO-derived)' })
  @ApiPageEnvelope(GroupMemberDto)
  @ApiErrors(400, 404)
  members(@UuidParam() id: string, @Query() q: PageQueryDto) {
    return this.groups.members(id, q);
  }

  @Put(':id/members/:user_id')
  @Audit('group.member-add', 'groups')
  @ApiUuidParam()
  @ApiUuidParam('user_id', 'User id (UUID)')
  @ApiOperation({
    summary: 'Make a user a member (idempotent; a membership from SSO becomes local and stays)',
  })
  @ApiOkEnvelope(GroupMemberDto)
  @ApiErrors(400, 404)
  addMember(@UuidParam() id: string, @UuidParam('user_id') userId: string) {
    return this.groups.addMember(id, userId);
  }

  @Delete(':id/members/:user_id')
  @Audit('group.member-remove', 'groups')
  @ApiUuidParam()
  @ApiUuidParam('user_id', 'User id (UUID)')
  @ApiOperation({
    summary: 'Remove a member (an SSO mapping adds it again at its next login while it still applies)',
  })
  @ApiOkEnvelope(null)
  @ApiErrors(400, 404)
  removeMember(@UuidParam() id: string, @UuidParam('user_id') userId: string) {
    return this.groups.removeMember(id, userId);
  }
}
