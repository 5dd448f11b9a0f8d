import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { CredentialRenewal } from '../kube/access/credential-renewal.js';
import { type ClusterSpec, issueKubeconfig } from '../providers/cluster-provider.js';
import { ClusterProviderLookup } from '../providers/cluster-provider-lookup.js';
import { ClusterProvider, ClusterStatus } from './cluster.entity.js';
import { ClustersRepository } from './clusters.repository.js';
import { ProvisioningService } from './provisioning.service.js';

/**
 * Vendor kubeconfigs expire (Rancher tokens after 30 days by default, ACK's after `expiration`): fetches a
 * new one from the vendor before that (the scheduled sweep: `refreshExpiring`) and when the cluster answers
 * 401 (registered as the access layer's renewer). A new kubeconfig is verified like the first one.
 */
@Injectable()
export class ClusterCredentialRefresher implements OnModuleInit {
  private readonly logger = new Logger(ClusterCredentialRefresher.name);

  constructor(
    private readonly repo: ClustersRepository,
    private readonly lookup: ClusterProviderLookup,
    private readonly provisioning: ProvisioningService,
    private readonly renewal: CredentialRenewal,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.renewal.register((id) => this.refresh(id));
  }

  /** Fetches and stores a new kubeconfig of a vendor cluster; false for clusters that have none to fetch. */
  async refresh(id: string): Promise<boolean> {
    const c = await this.repo.findById(id);
    if (!c || c.provider === ClusterProvider.IMPORTED || !c.vendorClusterId) return false;
    if (c.status !== ClusterStatus.ACTIVE && c.status !== ClusterStatus.UNAVAILABLE) return false;
    const provider = await this.lookup.providerOf(c);
    await this.provisioning.activate(
      c,
      await issueKubeconfig(provider, c.vendorClusterId, (c.vendorSpec ?? {}) as ClusterSpec),
    );
    this.logger.log(`cluster ${c.name}: fetched a new kubeconfig from ${c.provider}`);
    return true;
  }

  /** Refreshes every credential that expires within `vendors.credential_refresh_before_seconds`. */
  async refreshExpiring(): Promise<{ due: number; refreshed: number }> {
    const before = new Date(Date.now() + this.config.vendors.credential_refresh_before_seconds * 1000);
    const due = await this.repo.findCredentialsExpiringBefore(before);
    let refreshed = 0;
    for (const c of due) {
      try {
        if (await this.refresh(c.id)) refreshed++;
      } catch (e) {
        this.logger.warn(`cluster ${c.name}: refreshing its kubeconfig failed: ${(e as Error).message}`);
      }
    }
    return { due: due.length, refreshed };
  }
}
