import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator.js';
import { Verb } from '../access/roles.js';
import { CurrentUser } from '../auth/authenticated.decorator.js';
import type { AuthUser } from '../auth/role.js';
import { ApiUuidParam, UuidParam } from '../common/params.js';
import { ApiErrors, ApiOkEnvelope, ApiPageEnvelope } from '../common/swagger.js';
import { OperationDto, OperationQueryDto } from './dto/operation.dto.js';
import { OperationsService } from './operations.service.js';

@ApiTags('operations')
@Controller('operations')
@Access(Verb.OPERATIONS_READ)
export class OperationsController {
  constructor(private readonly operations: OperationsService) {}

  @Get()
  @ApiOperation({
    summary: 'List long-running operations, newest first',
    description:
      'Only operations the caller may see: its own, those on clusters its grants give operations.read on, and key-ring operations for admins.',
  })
  @ApiPageEnvelope(OperationDto)
  @ApiErrors(400)
  list(@CurrentUser() user: AuthUser, @Query() q: OperationQueryDto) {
    return this.operations.list(q, user);
  }

  @Get(':id')
  @ApiUuidParam()
  @ApiOperation({ summary: 'Get an operation: status, progress, result or error' })
  @ApiOkEnvelope(OperationDto)
  @ApiErrors(400, 404)
  get(@CurrentUser() user: AuthUser, @UuidParam() id: string) {
    return this.operations.get(id, user);
  }
}
