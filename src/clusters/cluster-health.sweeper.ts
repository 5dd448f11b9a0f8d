import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import Bull from 'bull';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { bullRedisOptions } from '../redis/redis.module.js';
import { ClusterCredentialRefresher } from './cluster-credential.refresher.js';
import { ClustersService } from './clusters.service.js';

/**
 * Repeatable bull jobs: one probes every cluster on an interval, one refreshes vendor kubeconfigs that
 * expire soon (`vendors.credential_refresh_*`). Repeatable jobs are keyed by name and
 * interval in Redis, so any number of Berth instances schedule one sweep, run by whichever worker takes it.
 */
@Injectable()
export class ClusterHealthSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ClusterHealthSweeper.name);
  private queue?: Bull.Queue;

  constructor(
    private readonly clusters: ClustersService,
    private readonly credentials: ClusterCredentialRefresher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.workers.enabled) return;
    this.queue = new Bull('cluster-health', this.config.redis.url, {
      prefix: `${this.config.redis.key_prefix}bull`,
      redis: bullRedisOptions(this.config),
      defaultJobOptions: { removeOnComplete: 10, removeOnFail: 10, attempts: 1 },
    });
    void this.queue.process('sweep', 1, async () => {
      const result = await this.clusters.probeAll();
      this.logger.log(`health sweep: ${result.active}/${result.probed} clusters active`);
      return result;
    });
    void this.queue.process('refresh-credentials', 1, async () => {
      const result = await this.credentials.refreshExpiring();
      if (result.due)
        this.logger.log(`credential sweep: ${result.refreshed}/${result.due} kubeconfigs refreshed`);
      return result;
    });
    const every: Record<string, number> = {
      sweep: this.config.kube.probe_interval_seconds * 1000,
      'refresh-credentials': this.config.vendors.credential_refresh_interval_seconds * 1000,
    };
    // Drop schedules of other intervals (a changed configuration), then schedule ours.
    for (const job of await this.queue.getRepeatableJobs()) {
      if (Number(job.every) !== every[job.name]) await this.queue.removeRepeatableByKey(job.key);
    }
    await this.queue.add('sweep', {}, { repeat: { every: every.sweep }, jobId: 'cluster-health-sweep' });
    await this.queue.add(
      'refresh-credentials',
      {},
      { repeat: { every: every['refresh-credentials'] }, jobId: 'cluster-credential-sweep' },
    );
  }

  async onApplicationShutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    if (this.queue)
      await Promise.race([this.queue.close(), new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
  }
}
