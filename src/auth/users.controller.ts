import { Body, Controller, Delete, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiUuidParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../common/swagger.js';
import { Access } from '../access/access.decorator.js';
import { Verb } from '../access/roles.js';
import { CurrentUser } from './authenticated.decorator.js';
import { CreateUserDto, UpdateUserDto, UserDto, UserListQueryDto } from './dto/user.dto.js';
import type { AuthUser } from './role.js';
import { UsersService } from './users.service.js';
import { Audit } from '../common/audit/audit.decorator.js';

@ApiTags('users')
@Controller('users')
@Access(Verb.PRINCIPALS_MANAGE)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'List users' })
  @ApiPageEnvelope(UserDto)
  @ApiErrors(400)
  list(@Query() q: UserListQueryDto) {
    return this.users.list(q);
  }

  @Post()
  @Audit('user.create', 'users')
  @ApiOperation({ summary: 'Create a user' })
  @ApiOkEnvelope(UserDto, { status: 201 })
  @ApiErrors(400, 409)
  create(@Body() dto: CreateUserDto) {
    return this.users.create(dto);
  }

  @Get(':id')
  @ApiUuidParam()
  @ApiOperation({ summary: 'Get a user' })
  @ApiOkEnvelope(UserDto)
  @ApiErrors(400, 404)
  get(@UuidParam() id: string) {
    return this.users.get(id);
  }

  @Patch(':id')
  @Audit('user.update', 'users')
  @ApiUuidParam()
  @ApiOperation({ summary: 'Change a user’s password, role or disabled flag (ends their sessions)' })
  @ApiOkEnvelope(UserDto)
  @ApiErrors(400, 404, 409)
  update(@CurrentUser() actor: AuthUser, @UuidParam() id: string, @Body() dto: UpdateUserDto) {
    return this.users.update(actor, id, dto);
  }

  @Delete(':id')
  @Audit('user.delete', 'users')
  @ApiUuidParam()
  @ApiOperation({ summary: 'Delete a user (not yourself, not the last admin)' })
  @ApiOkEnvelope(null)
  @ApiErrors(400, 404, 409)
  remove(@CurrentUser() actor: AuthUser, @UuidParam() id: string) {
    return this.users.remove(actor, id);
  }
}
