import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { OperationQueue } from './operation-queue.js';
import { OperationsMetrics } from './operations.metrics.js';
import { OperationsController } from './operations.controller.js';
import { OperationsRepository } from './operations.repository.js';
import { OperationsService } from './operations.service.js';
import { OperationsWorker } from './operations.worker.js';

@Global()
@Module({
  imports: [DiscoveryModule],
  controllers: [OperationsController],
  providers: [OperationsService, OperationsRepository, OperationQueue, OperationsWorker, OperationsMetrics],
  exports: [OperationsService],
})
export class OperationsModule {}
