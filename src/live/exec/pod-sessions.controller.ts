import { applyDecorators, Controller, Get, Param } from '@nestjs/common';
import { ApiDefaultResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Access } from '../../access/access.decorator.js';
import { Verb } from '../../access/roles.js';
import { AppError } from '../../common/app-error.js';
import { ErrorCode } from '../../common/error-codes.js';
import { ApiKubeParam, ApiUuidParam, KubeParam, UuidParam } from '../../common/params.js';
import { ApiErrors } from '../../common/swagger.js';

const PROTOCOLS =
  'Sec-WebSocket-Protocol: v5.channel.k8s.io or v4.channel.k8s.io (exec, attach), v2.portforward.k8s.io or portforward.k8s.io (port-forward) — passed to the API server, which picks one. Channels are Kubernetes’ own (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize, 255 close in v5), relayed byte for byte. The bearer token goes in Authorization or, for browsers, as the subprotocol base64url.bearer.authorization.k8s.io.<base64url token>. Each session is audited (pod.exec / pod.attach / pod.portforward) with its end and byte counts. Session limits (0 = off): BERTH_EXEC_IDLE_TIMEOUT_SECONDS ends a session in which no data frame went either way for that long (WebSocket ping/pong and SPDY PING frames are keep-alive, not activity) with the WebSocket close code 4408 and the reason `idle timeout <N>s`; BERTH_EXEC_MAX_SESSION_SECONDS ends any session that long, busy or not, with 4409 `max session length <N>s`. The close frame is sent between two frames of the API server’s, the upstream connection is closed, and the audit record gets end_reason and close_code.';

const SWITCHING =
  '101 Switching Protocols (the only answer besides the errors listed): the session runs over the WebSocket with the subprotocol the API server chose';

const Q = {
  container: 'Container name; default: the pod’s only container',
  stdin: 'Send stdin (channel 0)',
  stdout: 'Receive stdout (channel 1)',
  stderr: 'Receive stderr (channel 2)',
  tty: 'Allocate a terminal (resize messages on channel 4)',
};

const upgradeOnly = (): never => {
  throw new AppError(
    ErrorCode.UPGRADE_REQUIRED,
    'This route is a WebSocket: send GET with Connection: Upgrade, Upgrade: websocket and a Kubernetes channel subprotocol',
  );
};

/** The container and stdio query parameters exec and attach share. */
const ApiStdioQueries = () =>
  applyDecorators(
    ApiQuery({ name: 'container', required: false, type: String, description: Q.container }),
    ApiQuery({ name: 'stdin', required: false, type: Boolean, description: Q.stdin }),
    ApiQuery({ name: 'stdout', required: false, type: Boolean, description: Q.stdout }),
    ApiQuery({ name: 'stderr', required: false, type: Boolean, description: Q.stderr }),
    ApiQuery({ name: 'tty', required: false, type: Boolean, description: Q.tty }),
  );

/**
 * Documents the WebSocket session routes. The upgrade itself never reaches Nest: the HTTP server's
 * `upgrade` event goes to LiveUpgrades → PodSessions, which authenticates and authorizes the same way the
 * guard does. A plain GET lands here, after the guard, and is told to upgrade (426).
 */
@ApiTags('live sessions')
@Controller('clusters/:id/namespaces/:ns/pods/:name')
@ApiUuidParam('id', 'Cluster id')
@ApiKubeParam('ns', 'label')
@ApiKubeParam('name', 'name')
export class PodSessionsController {
  @Get('exec')
  @Access(Verb.PODS_EXEC, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiOperation({ summary: 'Exec in a container (WebSocket)', description: PROTOCOLS })
  @ApiQuery({ name: 'command', required: true, isArray: true, type: String, description: 'One per argument' })
  @ApiStdioQueries()
  @ApiDefaultResponse({ description: SWITCHING })
  @ApiErrors(400, 403, 404, 426, 503, 504)
  exec(@UuidParam() _id: string, @KubeParam('ns', 'label') _ns: string, @Param('name') _name: string) {
    return upgradeOnly();
  }

  @Get('attach')
  @Access(Verb.PODS_EXEC, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiOperation({ summary: 'Attach to a running container (WebSocket)', description: PROTOCOLS })
  @ApiStdioQueries()
  @ApiDefaultResponse({ description: SWITCHING })
  @ApiErrors(400, 403, 404, 426, 503, 504)
  attach(@UuidParam() _id: string, @KubeParam('ns', 'label') _ns: string, @Param('name') _name: string) {
    return upgradeOnly();
  }

  @Get('portforward')
  @Access(Verb.PODS_EXEC, { cluster: 'id', namespace: { param: 'ns' } })
  @ApiOperation({ summary: 'Forward pod ports (WebSocket)', description: PROTOCOLS })
  @ApiParam({ name: 'name', description: 'Pod name' })
  @ApiQuery({ name: 'ports', required: true, isArray: true, type: Number, description: 'Pod ports' })
  @ApiDefaultResponse({ description: SWITCHING })
  @ApiErrors(400, 403, 404, 426, 503, 504)
  portforward(@UuidParam() _id: string, @KubeParam('ns', 'label') _ns: string, @Param('name') _name: string) {
    return upgradeOnly();
  }
}
