import { Module } from '@nestjs/common';
import { ClustersModule } from '../clusters/clusters.module.js';
import { KubeModule } from '../kube/kube.module.js';
import { ProvidersModule } from '../providers/providers.module.js';
import { NodeDrainer } from './node-drainer.js';
import { NodeListMerger } from './node-list.merger.js';
import { NodePoolsController } from './node-pools.controller.js';
import { NodePoolsRepository } from './node-pools.repository.js';
import { NodePoolsService } from './node-pools.service.js';
import { NodePoolCreateHandler } from './operations/node-pool-create.handler.js';
import { NodePoolDeleteHandler } from './operations/node-pool-delete.handler.js';
import { NodePoolResizeHandler } from './operations/node-pool-resize.handler.js';
import { NodeRemoveHandler } from './operations/node-remove.handler.js';

/** Node pools and vendor nodes: records kept in step with the vendor, changes as operations. */
@Module({
  imports: [ClustersModule, KubeModule, ProvidersModule],
  controllers: [NodePoolsController],
  providers: [
    NodePoolsService,
    NodePoolsRepository,
    NodeDrainer,
    NodeListMerger,
    NodePoolCreateHandler,
    NodePoolResizeHandler,
    NodePoolDeleteHandler,
    NodeRemoveHandler,
  ],
  exports: [NodePoolsService],
})
export class NodesModule {}
