import { Global, Module } from '@nestjs/common';
import { MetricsService } from './metrics.service.js';

/** The app's one metrics registry, injectable everywhere (kube client pool, vendor callers, guard, worker). */
@Global()
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}
