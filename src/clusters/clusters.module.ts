import { Module } from '@nestjs/common';
import { ProvidersModule } from '../providers/providers.module.js';
import { ClusterMetrics } from './cluster.metrics.js';
import { ClusterCredentialRefresher } from './cluster-credential.refresher.js';
import { ClusterHealthSweeper } from './cluster-health.sweeper.js';
import { ClustersController } from './clusters.controller.js';
import { ClustersRepository } from './clusters.repository.js';
import { ClustersService } from './clusters.service.js';
import { ClusterCreateHandler } from './operations/cluster-create.handler.js';
import { ClusterDestroyHandler } from './operations/cluster-destroy.handler.js';
import { ClusterUpdateHandler } from './operations/cluster-update.handler.js';
import { ProvisioningService } from './provisioning.service.js';

@Module({
  imports: [ProvidersModule],
  controllers: [ClustersController],
  providers: [
    ClustersService,
    ClustersRepository,
    ClusterHealthSweeper,
    ClusterCredentialRefresher,
    ClusterMetrics,
    ProvisioningService,
    ClusterCreateHandler,
    ClusterUpdateHandler,
    ClusterDestroyHandler,
  ],
  exports: [ClustersService, ProvisioningService],
})
export class ClustersModule {}
