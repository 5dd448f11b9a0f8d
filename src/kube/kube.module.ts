import { Module } from '@nestjs/common';
import { ApplyService } from './apply.service.js';
import { ClusterFanOut } from './cluster-fan-out.js';
import { EventsService } from './events.service.js';
import { FleetController } from './fleet.controller.js';
import { FleetService } from './fleet.service.js';
import { LogsService } from './logs.service.js';
import { NamespaceLabels } from './namespace-labels.js';
import { ResourceMetricsService } from './resource-metrics.service.js';
import { ResourcesController } from './resources.controller.js';
import { ResourcesService } from './resources.service.js';
import { WorkloadsController } from './workloads.controller.js';
import { WorkloadsService } from './workloads.service.js';

/** Live reads and writes, straight to each cluster's API server. */
@Module({
  controllers: [ResourcesController, WorkloadsController, FleetController],
  providers: [
    ClusterFanOut,
    ResourcesService,
    WorkloadsService,
    LogsService,
    EventsService,
    ApplyService,
    ResourceMetricsService,
    FleetService,
    NamespaceLabels,
  ],
  exports: [ResourcesService, WorkloadsService, FleetService, ClusterFanOut],
})
export class KubeModule {}
