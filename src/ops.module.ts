import { Module } from '@nestjs/common';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';

@Module({ controllers: [HealthController, MetricsController] })
export class OpsModule {}
