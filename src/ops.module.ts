import { Module } from '@nestjs/common';
import { HealthController } from './health/health.controller.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { MetricsService } from './metrics/metrics.service.js';

@Module({ controllers: [HealthController, MetricsController], providers: [MetricsService] })
export class OpsModule {}
