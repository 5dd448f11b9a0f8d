import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service.js';
import { OperationQueue } from './operation-queue.js';
import { OperationStatus } from './operation-types.js';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

/**
 * Queue depth at scrape time: unfinished operations and the oldest queued one's age from the operations
 * table (one grouped read on the status index), job counts from bull. Each is bounded by the scrape;
 * an unreadable dependency drops its gauges and reads `berth_dependency_up{dependency} 0`.
 */
@Injectable()
export class OperationsMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly dataSource: DataSource,
    private readonly queue: OperationQueue,
  ) {}

  onModuleInit(): void {
    const m = this.metrics;
    m.onScrape({
      dependency: 'postgres',
      collect: async () => {
        const rows: { status: string; n: number; age: number | null }[] = await this.dataSource.query(
          `SELECT status, count(*)::int AS n, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS age
             FROM operations WHERE status IN ($1, $2) GROUP BY status`,
          [OperationStatus.QUEUED, OperationStatus.RUNNING],
        );
        const by = new Map(rows.map((r) => [r.status, r]));
        for (const status of [OperationStatus.QUEUED, OperationStatus.RUNNING])
          m.operationsUnfinished.set({ status }, by.get(status)?.n ?? 0);
        m.oldestQueuedAge.set(Math.max(0, by.get(OperationStatus.QUEUED)?.age ?? 0));
      },
      reset: () => {
        m.operationsUnfinished.reset();
        m.oldestQueuedAge.reset();
      },
    });
    m.onScrape({
      dependency: 'redis',
      collect: async () => {
        const counts = (await this.queue.queue.getJobCounts()) as unknown as Record<string, number>;
        for (const state of JOB_STATES) m.queueJobs.set({ state }, counts[state] ?? 0);
      },
      reset: () => m.queueJobs.reset(),
    });
  }
}
