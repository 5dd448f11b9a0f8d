import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator.js';
import { Verb } from '../access/roles.js';
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
  @ApiOperation({ summary: 'List long-running operations, newest first' })
  @ApiPageEnvelope(OperationDto)
  @ApiErrors(400)
  list(@Query() q: OperationQueryDto) {
    return this.operations.list(q);
  }

  @Get(':id')
  @ApiUuidParam()
  @ApiOperation({ summary: 'Get an operation: status, progress, result or error' })
  @ApiOkEnvelope(OperationDto)
  @ApiErrors(400, 404)
  get(@UuidParam() id: string) {
    return this.operations.get(id);
  }
}
