import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExtension, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Access } from '../../access/access.decorator.js';
import { Verb } from '../../access/roles.js';
import { CurrentUser } from '../../auth/authenticated.decorator.js';
import type { AuthUser } from '../../auth/role.js';
import { ApiUuidParam, UuidParam } from '../../common/params.js';
import { ApiErrors } from '../../common/swagger.js';
import { WatchService } from './watch.service.js';

@ApiTags('operations')
@Controller('operations')
export class OperationEventsController {
  constructor(private readonly watch: WatchService) {}

  @Get(':id/events')
  @Access(Verb.OPERATIONS_READ)
  @ApiUuidParam()
  @ApiOperation({
    summary: 'Stream an operation’s progress (Server-Sent Events) until it ends',
    description:
      'A text/event-stream: an `OPERATION` event with the operation as GET /operations/{id} shows it, at once and at every change of status, progress, result or error; then `END` when it succeeded or failed, and the stream closes. ' +
      'Only operations the caller may see (else 404). Heartbeat comments keep idle proxies open; an expired or revoked token ends the stream with an `error` event.',
  })
  @ApiExtension('x-berth-watch', 'operation')
  @ApiErrors(400, 404, 429)
  events(
    @CurrentUser() user: AuthUser,
    @UuidParam() id: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
    return this.watch.operation(
      { user, bearer, req: { ip: req.ip, headers: req.headers as Record<string, unknown> }, reply },
      id,
    );
  }
}
