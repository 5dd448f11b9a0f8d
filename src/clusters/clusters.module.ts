import { Module } from '@nestjs/common';
import { ClusterHealthSweeper } from './cluster-health.sweeper.js';
import { ClusterProber } from './cluster-prober.js';
import { ClustersController } from './clusters.controller.js';
import { ClustersRepository } from './clusters.repository.js';
import { ClustersService } from './clusters.service.js';

@Module({
  controllers: [ClustersController],
  providers: [ClustersService, ClustersRepository, ClusterProber, ClusterHealthSweeper],
  exports: [ClustersService],
})
export class ClustersModule {}
