import { Global, Module } from '@nestjs/common';
import { AuthModule } from '../../auth/auth.module.js';
import { KubeModule } from '../../kube/kube.module.js';
import { OperationEventsController } from './operation-events.controller.js';
import { StreamAuth } from './stream-auth.js';
import { WatchLimits } from './watch-limits.js';
import { WatchService } from './watch.service.js';
import { WatchInterceptor } from './watchable.js';

/**
 * Watch streams (Server-Sent Events) over live resources, the fleet, and operations. Global so the list
 * routes of other modules (kube, nodes) can use @Watchable, whose interceptor needs WatchService.
 */
@Global()
@Module({
  imports: [AuthModule, KubeModule],
  controllers: [OperationEventsController],
  providers: [WatchService, WatchLimits, StreamAuth, WatchInterceptor],
  exports: [WatchService, WatchInterceptor, StreamAuth],
})
export class WatchModule {}
