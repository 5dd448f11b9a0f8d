import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../../access/access.decorator.js';
import { Verb } from '../../access/roles.js';
import { ApiErrors, ApiPageEnvelope } from '../swagger.js';
import { AuditLogDto, AuditQueryDto } from './audit.dto.js';
import { AuditService } from './audit.service.js';

@ApiTags('audit')
@Controller('audit-logs')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Access(Verb.AUDIT_READ)
  @ApiOperation({ summary: 'Audit log of every mutating request, newest first' })
  @ApiPageEnvelope(AuditLogDto)
  @ApiErrors(400)
  list(@Query() q: AuditQueryDto) {
    return this.audit.list(q);
  }
}
