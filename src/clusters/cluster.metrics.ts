import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClusterEntity, type ClusterStatus } from './cluster.entity.js';
import { shownStatus } from './cluster.mapper.js';

/**
 * `berth_cluster_status{cluster_id, cluster_name, status} 1` from the records at scrape time (the status
 * the API shows, "stale" included), and the per-cluster Kubernetes request series of clusters whose
 * record is gone are dropped: their cardinality stays the number of clusters.
 */
@Injectable()
export class ClusterMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: MetricsService,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const m = this.metrics;
    m.onScrape({
      dependency: 'postgres',
      collect: async () => {
        const rows: { id: string; name: string; status: ClusterStatus; last_probed_at: Date | null }[] =
          await this.dataSource.query('SELECT id, name, status, last_probed_at FROM clusters');
        const now = Date.now();
        m.clusterStatus.reset();
        for (const r of rows) {
          const c = { status: r.status, lastProbedAt: r.last_probed_at } as ClusterEntity;
          const status = shownStatus(c, this.config.kube.stale_after_seconds, now);
          m.clusterStatus.set({ cluster_id: r.id, cluster_name: r.name, status }, 1);
        }
        const known = new Set(rows.map((r) => r.id));
        const gone = new Set<string>();
        for (const v of (await m.kubeRequests.get()).values) {
          const id = String(v.labels.cluster_id);
          if (!known.has(id)) {
            gone.add(id);
            m.kubeRequests.remove(v.labels as Record<string, string>);
          }
        }
        for (const v of (await m.kubeDuration.get()).values) {
          const id = String(v.labels.cluster_id);
          if (!known.has(id)) gone.add(id);
        }
        for (const cluster_id of gone) m.kubeDuration.remove({ cluster_id });
      },
      reset: () => m.clusterStatus.reset(),
    });
  }
}
